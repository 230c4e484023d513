-- Stripe subscriptions, one row per subscription as of its latest event; a canceled one stays, with the customer's reason, feedback and comment.
select
    {{ id_text(col('id')) }} as subscription_id,
    {{ id_text(col('customer')) }} as customer_id,
    lower({{ col('status') }}) as status,
    lower({{ col('collection_method') }}) as collection_method,
    lower({{ col('currency') }}) as currency,
    {{ col('items') }} as items_json,
    {{ col('cancel_at_period_end') }} as cancel_at_period_end,
    {{ utc_timestamp(col('cancel_at')) }} as cancel_at,
    {{ utc_timestamp(col('canceled_at')) }} as canceled_at,
    {{ utc_timestamp(col('ended_at')) }} as ended_at,
    {{ col('cancellation_reason') }} as cancellation_reason,
    {{ col('cancellation_feedback') }} as cancellation_feedback,
    {{ col('cancellation_comment') }} as cancellation_comment,
    {{ col('metadata') }} as metadata_json,
    {{ col('livemode') }} as is_livemode,
    {{ id_text(col('event_id')) }} as last_event_id,
    {{ col('event_type') }} as last_event_type,
    {{ utc_timestamp(col('created')) }} as created_at,
    {{ utc_timestamp(col('updated_at')) }} as updated_at,
    {{ deleted_flag(col('is_deleted')) }} as is_deleted,
    {{ utc_timestamp(col('_loaded_at')) }} as loaded_at
from {{ source('stripe', 'subscriptions') }}
