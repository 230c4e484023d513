-- Salesforce contacts, one row per contact; Phone is read when the org exposes it.
select
    {{ id_text(col('Id')) }} as contact_id,
    {{ id_text(col('AccountId')) }} as account_id,
    {{ col('Name') }} as name,
    {{ col('Email') }} as email,
    {{ col_or_null(source('salesforce', 'contacts'), 'Phone', dbt.type_string()) }} as phone,
    {{ utc_timestamp(col('CreatedDate')) }} as created_at,
    {{ utc_timestamp(col('SystemModstamp')) }} as updated_at,
    {{ deleted_flag(col('is_deleted')) }} as is_deleted,
    {{ utc_timestamp(col('_loaded_at')) }} as loaded_at
from {{ source('salesforce', 'contacts') }}
