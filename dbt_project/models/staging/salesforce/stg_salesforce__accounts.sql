-- Salesforce accounts, one row per account.
select
    {{ id_text(col('Id')) }} as account_id,
    {{ col('Name') }} as name,
    {{ utc_timestamp(col('CreatedDate')) }} as created_at,
    {{ utc_timestamp(col('SystemModstamp')) }} as updated_at,
    {{ deleted_flag(col('is_deleted')) }} as is_deleted,
    {{ utc_timestamp(col('_loaded_at')) }} as loaded_at
from {{ source('salesforce', 'accounts') }}
