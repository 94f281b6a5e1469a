"""The helpdesk workflow: what staff do with tickets and the rules they work by (working-day time
limits, …). Imports the store and the foundation modules (config, privacy, paths); never the
dialogue, the transport or telegram.
"""
