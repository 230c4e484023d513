{#- The exporters create every column quoted with its exact name ("updated_at", Salesforce's "Id"),
    so Snowflake (upper-cases unquoted names) and PostgreSQL-style engines need them quoted. -#}
{% macro col(name) -%}
    {{ adapter.quote(name) }}
{%- endmacro %}

{#- A column that only some exports have (Salesforce columns follow each org's `describe`): the
    quoted column where the table has it, else a typed NULL, so one model serves every org. -#}
{% macro col_or_null(relation, name, data_type) -%}
    {%- set found = [] -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- if column.name | lower == name | lower -%}{%- do found.append(column.name) -%}{%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if found -%}{{ adapter.quote(found[0]) }}{%- else -%}cast(null as {{ data_type }}){%- endif -%}
{%- endmacro %}

{#- Ids are text everywhere (Salesforce and Intercom ids are), so keys from any source union and join. -#}
{% macro id_text(expression) -%}
    cast({{ expression }} as {{ dbt.type_string() }})
{%- endmacro %}

{#- Exported timestamps are UTC instants; staging keeps them as UTC wall-clock timestamps so days,
    comparisons and differences mean the same thing in every warehouse. -#}
{% macro utc_timestamp(expression) -%}
    cast({{ expression }} as {{ dbt.type_timestamp() }})
{%- endmacro %}

{#- One definition of "deleted" everywhere: the export's flag, never NULL. -#}
{% macro deleted_flag(expression) -%}
    coalesce({{ expression }}, false)
{%- endmacro %}
