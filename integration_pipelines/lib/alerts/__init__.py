"""Failed-run alerts as plain Python: the message and one module per channel (Slack, email, SMS).

Nothing here imports Dagster, so a channel can be tried from a shell or a test against a local stand-in;
``defs/alerts`` turns the environment into channels and the failed run into a :class:`FailedRun`.
"""
