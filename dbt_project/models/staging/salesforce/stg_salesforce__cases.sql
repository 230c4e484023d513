-- Salesforce cases, one row per case; cases deleted in Salesforce (IsDeleted) flagged.
select
    {{ id_text(col('Id')) }} as case_id,
    {{ id_text(col('CaseNumber')) }} as case_number,
    {{ id_text(col('ContactId')) }} as contact_id,
    {{ id_text(col('AccountId')) }} as account_id,
    {{ id_text(col('CreatedById')) }} as created_by_id,
    {{ col('Subject') }} as subject,
    {{ col('Status') }} as status,
    lower({{ col('Origin') }}) as channel,
    {{ utc_timestamp(col('CreatedDate')) }} as created_at,
    {{ utc_timestamp(col('SystemModstamp')) }} as updated_at,
    {{ deleted_flag(col('is_deleted')) }} as is_deleted,
    {{ utc_timestamp(col('_loaded_at')) }} as loaded_at
from {{ source('salesforce', 'cases') }}
