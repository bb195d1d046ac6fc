"""Proposals: drafted from a call, an email or `/60 proposal`, reviewed by the rep (and by the
manager past the discount limit), frozen and sent as a link or by email, then watched."""
