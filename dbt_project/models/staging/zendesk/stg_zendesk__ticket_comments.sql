-- Zendesk ticket comments (public and internal), one row per comment.
select
    {{ id_text(col('id')) }} as comment_id,
    {{ id_text(col('ticket_id')) }} as ticket_id,
    {{ id_text(col('author_id')) }} as author_user_id,
    {{ col('body') }} as body,
    {{ col('public') }} as is_public,
    lower({{ col('channel') }}) as channel,
    {{ utc_timestamp(col('created_at')) }} as created_at,
    {{ utc_timestamp(col('updated_at')) }} as updated_at,
    {{ deleted_flag(col('is_deleted')) }} as is_deleted,
    {{ utc_timestamp(col('_loaded_at')) }} as loaded_at
from {{ source('zendesk', 'ticket_comments') }}
