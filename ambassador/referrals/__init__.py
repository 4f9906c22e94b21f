"""Referrals: personal links, friends' sign-ups, conversions and the rewards ledger."""
