{#- How people are recognised across systems (see dim_customer's documentation). -#}

{% macro normalized_email(expression) -%}
    nullif(lower(trim({{ expression }})), '')
{%- endmacro %}

{#- Only the digits of a string; DuckDB's regexp_replace replaces the first match unless told 'g'. -#}
{% macro digits_only(expression) -%}
    {{ return(adapter.dispatch('digits_only')(expression)) }}
{%- endmacro %}

{% macro default__digits_only(expression) -%}
    regexp_replace({{ expression }}, '[^0-9]', '')
{%- endmacro %}

{% macro duckdb__digits_only(expression) -%}
    regexp_replace({{ expression }}, '[^0-9]', '', 'g')
{%- endmacro %}

{#- A phone in E.164 (`+` and 8 to 15 digits) when it is written with its country code (`+966...` or
    `00966...`); a national number is NULL, since its country cannot be known from the number. -#}
{% macro e164_phone(expression) -%}
    {%- set digits = digits_only(expression) -%}
    case
        when trim({{ expression }}) like '+%' and {{ dbt.length(digits) }} between 8 and 15
            then {{ dbt.concat(["'+'", digits]) }}
        when trim({{ expression }}) like '00%' and {{ dbt.length(digits) }} between 10 and 17
            then {{ dbt.concat(["'+'", dbt.right(digits, dbt.length(digits) ~ ' - 2')]) }}
    end
{%- endmacro %}
