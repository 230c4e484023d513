"""Plain helpers for the dbt project at ``dbt_project/``: where it is, which target reads which export."""
