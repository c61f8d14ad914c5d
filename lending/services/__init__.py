"""Writes of the lending app: ``circulation`` (the basics ``loans``, ``holds`` and
``digital`` share), ``loans``, ``holds``, ``digital``, ``notices``, ``history``
(anonymising), ``cards`` (issue, revoke), ``roster`` (school roster sync), ``readers``
(accounts, anonymisation), ``scan`` (card scanning). Reads live in ``lending.selectors``."""
