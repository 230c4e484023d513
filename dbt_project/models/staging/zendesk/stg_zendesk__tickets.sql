-- Zendesk tickets, one row per ticket; a ticket deleted in Zendesk (status `deleted`) stays, flagged.
select
    {{ id_text(col('id')) }} as ticket_id,
    {{ id_text(col('requester_id')) }} as requester_user_id,
    {{ id_text(col('submitter_id')) }} as submitter_user_id,
    {{ id_text(col('assignee_id')) }} as assignee_user_id,
    {{ id_text(col('organization_id')) }} as organization_id,
    {{ id_text(col('group_id')) }} as group_id,
    {{ col('subject') }} as subject,
    {{ col('status') }} as status,
    {{ col('priority') }} as priority,
    {{ col('type') }} as ticket_type,
    lower({{ col('channel') }}) as channel,
    {{ col('tags') }} as tags_json,
    {{ utc_timestamp(col('created_at')) }} as created_at,
    {{ utc_timestamp(col('updated_at')) }} as updated_at,
    {{ deleted_flag(col('is_deleted')) }} as is_deleted,
    {{ utc_timestamp(col('_loaded_at')) }} as loaded_at
from {{ source('zendesk', 'tickets') }}
