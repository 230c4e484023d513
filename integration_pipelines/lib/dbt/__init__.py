"""Helpers for the dbt project at ``dbt_project/``: where it is, which target reads which export
(plain Python), and the two modules that import dagster-dbt, which the code location never imports
at load: the translator and the project a deployment prepares."""
