"""``make soak``: the hostile and unlucky scenarios of docs/reliability.md, run end to end.

Each scenario runs the real definitions as ``dagster job execute`` processes against the sandbox,
in a folder of its own, and compares the warehouse it leaves with a clean run of the same days.
"""
