{#- No two rows share the same values of `combination` (dbt_utils has this test; the project keeps
    no package dependencies so it parses and builds without network access). -#}
{% test unique_combination_of_columns(model, combination) %}
select {{ combination | join(', ') }}
from {{ model }}
group by {{ combination | join(', ') }}
having count(*) > 1
{% endtest %}
