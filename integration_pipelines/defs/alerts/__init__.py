"""Failed-run alerts: ``run_failure_alert_sensor`` and the ``alerts`` resource built from the environment."""
