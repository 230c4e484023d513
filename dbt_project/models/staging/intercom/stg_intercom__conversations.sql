-- Intercom conversations, one row per conversation; deleted ones flagged (from webhooks).
select
    {{ id_text(col('id')) }} as conversation_id,
    {{ col('title') }} as title,
    {{ col('state') }} as state,
    lower({{ col('channel') }}) as channel,
    {{ id_text(col('admin_assignee_id')) }} as admin_assignee_id,
    {{ col('contact_ids') }} as contact_ids_json,
    {{ utc_timestamp(col('created_at')) }} as created_at,
    {{ utc_timestamp(col('updated_at')) }} as updated_at,
    {{ deleted_flag(col('is_deleted')) }} as is_deleted,
    {{ utc_timestamp(col('_loaded_at')) }} as loaded_at
from {{ source('intercom', 'conversations') }}
