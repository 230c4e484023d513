{#- Models land in `{EXPORT_SCHEMA_PREFIX}staging`, `...intermediate` and `...marts`, next to the exported
    schemas and under the same prefix, rather than dbt's default `{target schema}_{custom}`. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ env_var('EXPORT_SCHEMA_PREFIX', '') }}{{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
