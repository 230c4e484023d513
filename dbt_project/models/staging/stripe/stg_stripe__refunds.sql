-- Stripe refunds, one row per refund as of its latest event: amount, reason, status and why a failed one failed.
select
    {{ id_text(col('id')) }} as refund_id,
    {{ id_text(col('charge')) }} as charge_id,
    {{ id_text(col('payment_intent')) }} as payment_intent_id,
    {{ col('amount') }} as amount,
    lower({{ col('currency') }}) as currency,
    lower({{ col('reason') }}) as reason,
    lower({{ col('status') }}) as status,
    lower({{ col('failure_reason') }}) as failure_reason,
    {{ col('metadata') }} as metadata_json,
    {{ id_text(col('event_id')) }} as last_event_id,
    {{ col('event_type') }} as last_event_type,
    {{ utc_timestamp(col('created')) }} as created_at,
    {{ utc_timestamp(col('updated_at')) }} as updated_at,
    {{ deleted_flag(col('is_deleted')) }} as is_deleted,
    {{ utc_timestamp(col('_loaded_at')) }} as loaded_at
from {{ source('stripe', 'refunds') }}
