"""Accounts: passwords, sign-in throttling, server-side sessions, TOTP, clinics and their users.

Plain services over a SQLAlchemy session; the web layer (``prescribe.web.auth``, ``account``,
``admin``) and the CLI call them and commit.
"""
