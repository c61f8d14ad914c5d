from django.dispatch import Signal

# Sent by ``library_portal_provision`` once a library has its staff group, collection
# and portal; apps connect to it to grant their own permissions to the staff group.
# Arguments: ``library``.
library_provisioned = Signal()
