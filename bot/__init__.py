"""Yuzhong service assistant: answers residents and enterprises, files tickets for staff."""

__version__ = "0.1.0"
