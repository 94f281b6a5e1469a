"""Learning from tickets (issue 18): a staff answer becomes reviewed knowledge.

A proposal (`change.Change`: a new wording for an existing entry, or a new entry drafted from
the staff reply, sourced by a seed quote or by the department that owns the answer) is drafted
from a ticket (`draft`), checked automatically (`checks`: the knowledge rules, whether today's
matcher already answers it, the regression effect on the evaluation sets and leave-one-out,
contact details), approved or rejected by a second staff member (`review`: the function API the
shell, the staff group and the web console's 知识库 tab call), and on approval written into the
YAML files keeping their comments and layout (`yamledit`). `gaps` groups the tickets the
knowledge base missed; `owners` lists the entries staff answers own. What the loop refuses is
data (`refusal.Refusal`: a kind and its values), which `bot.words` renders in the staff
member's language and in the terms of the surface they used.

Imports the matcher, the store, `bot.kb`, `bot.words` and the foundation modules; never the
dialogue, a transport or `telegram`.
"""
