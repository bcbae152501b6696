"""A client's side of the ALTCHA challenge: what a script does with a 428 (tests, simulation)."""

import base64
import json

import altcha


def solve(challenge: dict) -> str:
    """The payload that solves `challenge`, as a client sends it (tests and the simulation)."""
    solution = altcha.solve_challenge_v1(
        challenge["challenge"], challenge["salt"], challenge["algorithm"], challenge["maxNumber"]
    )
    if solution is None:
        raise ValueError("no number up to maxNumber solves this challenge")
    fields = ("algorithm", "challenge", "salt", "signature")
    payload = {**{name: challenge[name] for name in fields}, "number": solution.number}
    return base64.b64encode(json.dumps(payload).encode()).decode()
