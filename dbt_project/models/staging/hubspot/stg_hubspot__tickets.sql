-- HubSpot tickets, one row per ticket (the ticket's content is the customer's message); archived tickets flagged.
select
    {{ id_text(col('id')) }} as ticket_id,
    {{ id_text(col('owner_id')) }} as owner_id,
    {{ col('subject') }} as subject,
    {{ col('content') }} as content,
    {{ col('hs_pipeline_stage') }} as pipeline_stage,
    {{ col('hs_ticket_priority') }} as priority,
    lower({{ col('source_type') }}) as channel,
    {{ utc_timestamp(col('created_at')) }} as created_at,
    {{ utc_timestamp(col('updated_at')) }} as updated_at,
    {{ deleted_flag(col('is_deleted')) }} as is_deleted,
    {{ utc_timestamp(col('_loaded_at')) }} as loaded_at
from {{ source('hubspot', 'tickets') }}
