-- Every customer-visible message of every source: who wrote it, where, when. The message text stays in the export (it may hold PII); only redacted text went on to sentiment.
select
    {{ dbt.concat([col('source'), "':'", col('message_id')]) }} as message_key,
    {{ col('source') }} as source,
    {{ col('source_object') }} as source_object,
    {{ col('message_id') }} as message_id,
    {{ col('parent_id') }} as conversation_id,
    {{ dbt.concat([col('source'), "':'", col('parent_id')]) }} as conversation_key,
    {{ col('author_role') }} as author_role,
    coalesce(lower({{ col('channel') }}), 'unknown') as channel,
    coalesce({{ col('language') }}, 'unknown') as language,
    {{ utc_timestamp(col('created_at')) }} as created_at,
    {{ utc_timestamp(col('updated_at')) }} as updated_at,
    {{ deleted_flag(col('is_deleted')) }} as is_deleted,
    lower({{ col('vendor_sentiment') }}) as vendor_sentiment,
    {{ col('author_id') }} as author_id,
    {{ col('author_email') }} as author_email,
    {{ col('author_phone') }} as author_phone,
    {{ utc_timestamp(col('_loaded_at')) }} as loaded_at
from {{ source('feedback', 'customer_feedback') }}
