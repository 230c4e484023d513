-- Calendly scheduled events (meetings), one row per event; a canceled event stays, with who canceled it and why.
select
    {{ id_text(col('uuid')) }} as event_id,
    {{ col('uri') }} as event_uri,
    {{ col('name') }} as name,
    lower({{ col('status') }}) as status,
    {{ col('event_type') }} as event_type_uri,
    {{ utc_timestamp(col('start_time')) }} as starts_at,
    {{ utc_timestamp(col('end_time')) }} as ends_at,
    {{ col('location') }} as location_json,
    {{ col('invitees_counter') }} as invitees_counter_json,
    {{ col('canceled_by') }} as canceled_by,
    lower({{ col('canceler_type') }}) as canceler_type,
    {{ col('cancel_reason') }} as cancel_reason,
    {{ utc_timestamp(col('canceled_at')) }} as canceled_at,
    {{ utc_timestamp(col('created_at')) }} as created_at,
    {{ utc_timestamp(col('updated_at')) }} as updated_at,
    {{ deleted_flag(col('is_deleted')) }} as is_deleted,
    {{ utc_timestamp(col('_loaded_at')) }} as loaded_at
from {{ source('calendly', 'scheduled_events') }}
