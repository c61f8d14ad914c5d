"""Writes of the lending app: ``cards`` (issue, revoke), ``roster`` (school roster sync),
``readers`` (accounts, anonymisation), ``scan`` (card scanning)."""
