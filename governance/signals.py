"""What governance tells the layers above it. Receivers run inside the sender's transaction:
one that raises undoes the whole change."""

from django.dispatch import Signal

# Sent while an approved merge is applied, before the source terms go: rewrite every value that
# holds a source code to the target code. Arguments: vocabulary (a Vocabulary), sources (term
# codes), target (a term code).
terms_merged = Signal()

# Sent while an approved category merge is applied, before the source categories go: move what
# is classified in a source to the target. Arguments: sources (category codes), target (a code).
categories_merged = Signal()

# Sent after an object moved through the workflow, inside the transition's transaction.
# Arguments: obj (the model instance, in its new state), action (submit, approve, reject,
# retire, reopen…), from_state, to_state.
transitioned = Signal()

# Sent when event_emit wrote a new outbox event, inside the writer's transaction (the layer
# that publishes events queues its relay on commit). Arguments: event.
event_recorded = Signal()
