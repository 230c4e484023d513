{#- Rows an incremental run rebuilds: those changed inside the Dagster partition window
    (vars min_date / max_date, UTC), or without a window those changed since the newest row the
    model already holds. A full refresh ignores both and rebuilds everything. -#}
{% macro changed_in_window(column, existing_column=none) -%}
    {%- set min_date = var('min_date', none) -%}
    {%- set max_date = var('max_date', none) -%}
    {%- if min_date and max_date -%}
        {{ column }} >= cast('{{ min_date }}' as {{ dbt.type_timestamp() }})
        and {{ column }} < cast('{{ max_date }}' as {{ dbt.type_timestamp() }})
    {%- else -%}
        {{ column }} >= (select max({{ existing_column or column }}) from {{ this }})
    {%- endif -%}
{%- endmacro %}

{#- Replace whole days: BigQuery overwrites the day partitions a run produces; the others delete the
    run's days and insert them again. Either way a day is rebuilt from all of its rows. -#}
{% macro day_replace_config(day_column) -%}
    {%- if target.type == 'bigquery' -%}
        {{ return({'incremental_strategy': 'insert_overwrite',
                   'partition_by': {'field': day_column, 'data_type': 'date'}}) }}
    {%- else -%}
        {{ return({'incremental_strategy': 'delete+insert', 'unique_key': day_column}) }}
    {%- endif -%}
{%- endmacro %}

{#- Upsert by key: BigQuery merges (it has no delete+insert); the others delete and insert the keys. -#}
{% macro key_upsert_strategy() -%}
    {{ return('merge' if target.type == 'bigquery' else 'delete+insert') }}
{%- endmacro %}
