-- Language, script and dialect hint of every message (after normalisation and PII redaction).
select
    {{ dbt.concat([col('source'), "':'", col('message_id')]) }} as message_key,
    {{ col('source') }} as source,
    {{ col('message_id') }} as message_id,
    coalesce({{ col('language') }}, 'unknown') as language,
    {{ col('script') }} as script,
    {{ col('dialect') }} as dialect_hint,
    {{ col('token_count') }} as token_count,
    {{ utc_timestamp(col('updated_at')) }} as updated_at,
    {{ deleted_flag(col('is_deleted')) }} as is_deleted,
    {{ utc_timestamp(col('_loaded_at')) }} as loaded_at
from {{ source('feedback', 'feedback_preprocessed') }}
