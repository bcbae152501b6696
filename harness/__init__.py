"""Throwaway real services on loopback, for the tests, the benchmark and `make serve`.

servers: PostgreSQL, Redis, runserver, gunicorn and the task worker as child processes.
stack:   the production stack (PostgreSQL, Redis, migrations, app servers, SMS worker).
browser: Debian's Chromium driven by Playwright.

Nothing here is imported by the app (referral/, config/).
"""
