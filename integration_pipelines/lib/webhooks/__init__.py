"""Receiving vendor webhooks: verify, store durably in the inbox, acknowledge; sensors read the inbox."""
