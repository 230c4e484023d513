-- Salesforce opportunities, one row per opportunity.
select
    {{ id_text(col('Id')) }} as opportunity_id,
    {{ id_text(col('AccountId')) }} as account_id,
    {{ col('Name') }} as name,
    {{ col('StageName') }} as stage,
    cast({{ col('Amount') }} as {{ dbt.type_float() }}) as amount,
    {{ utc_timestamp(col('CreatedDate')) }} as created_at,
    {{ utc_timestamp(col('SystemModstamp')) }} as updated_at,
    {{ deleted_flag(col('is_deleted')) }} as is_deleted,
    {{ utc_timestamp(col('_loaded_at')) }} as loaded_at
from {{ source('salesforce', 'opportunities') }}
