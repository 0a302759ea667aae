"""Staff accounts, passwords, roles and consent (roles and consent come with a later issue)."""
