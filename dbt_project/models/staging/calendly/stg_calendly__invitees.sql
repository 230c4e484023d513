-- Calendly invitees (bookings), one row per invitee of an event: who booked, their answers, and a cancellation or no-show.
select
    {{ col('uri') }} as invitee_uri,
    {{ id_text(col('event_uuid')) }} as event_id,
    {{ col('event_uri') }} as event_uri,
    {{ col('name') }} as name,
    {{ col('email') }} as email,
    lower({{ col('status') }}) as status,
    {{ col('timezone') }} as time_zone,
    {{ col('rescheduled') }} as is_rescheduled,
    {{ col('questions_and_answers') }} as questions_and_answers_json,
    {{ col('no_show_uri') }} as no_show_uri,
    {{ utc_timestamp(col('no_show_created_at')) }} as no_show_marked_at,
    {{ col('canceled_by') }} as canceled_by,
    lower({{ col('canceler_type') }}) as canceler_type,
    {{ col('cancel_reason') }} as cancel_reason,
    {{ utc_timestamp(col('canceled_at')) }} as canceled_at,
    {{ col('cancel_url') }} as cancel_url,
    {{ utc_timestamp(col('created_at')) }} as created_at,
    {{ utc_timestamp(col('updated_at')) }} as updated_at,
    {{ deleted_flag(col('is_deleted')) }} as is_deleted,
    {{ utc_timestamp(col('_loaded_at')) }} as loaded_at
from {{ source('calendly', 'invitees') }}
