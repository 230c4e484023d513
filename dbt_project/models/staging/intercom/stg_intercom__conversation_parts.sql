-- Intercom conversation parts (the opening message is part_type `source`), one row per part.
select
    {{ id_text(col('id')) }} as part_id,
    {{ id_text(col('conversation_id')) }} as conversation_id,
    {{ col('part_type') }} as part_type,
    {{ col('author_type') }} as author_type,
    {{ id_text(col('author_id')) }} as author_id,
    {{ col('author_email') }} as author_email,
    {{ col('body') }} as body,
    lower({{ col('channel') }}) as channel,
    {{ utc_timestamp(col('created_at')) }} as created_at,
    {{ utc_timestamp(col('updated_at')) }} as updated_at,
    {{ deleted_flag(col('is_deleted')) }} as is_deleted,
    {{ utc_timestamp(col('_loaded_at')) }} as loaded_at
from {{ source('intercom', 'conversation_parts') }}
