"""Accounts: users, login, passwords."""
