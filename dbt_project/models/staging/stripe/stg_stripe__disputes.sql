-- Stripe disputes (chargebacks), one row per dispute as of its latest event: the bank's reason, status and the evidence naming the customer.
select
    {{ id_text(col('id')) }} as dispute_id,
    {{ id_text(col('charge')) }} as charge_id,
    {{ id_text(col('payment_intent')) }} as payment_intent_id,
    {{ col('amount') }} as amount,
    lower({{ col('currency') }}) as currency,
    lower({{ col('reason') }}) as reason,
    lower({{ col('status') }}) as status,
    {{ col('is_charge_refundable') }} as is_charge_refundable,
    {{ col('evidence_text') }} as evidence_text,
    {{ col('customer_email') }} as customer_email,
    {{ col('customer_name') }} as customer_name,
    {{ utc_timestamp(col('evidence_due_by')) }} as evidence_due_at,
    {{ col('metadata') }} as metadata_json,
    {{ col('livemode') }} as is_livemode,
    {{ id_text(col('event_id')) }} as last_event_id,
    {{ col('event_type') }} as last_event_type,
    {{ utc_timestamp(col('created')) }} as created_at,
    {{ utc_timestamp(col('updated_at')) }} as updated_at,
    {{ deleted_flag(col('is_deleted')) }} as is_deleted,
    {{ utc_timestamp(col('_loaded_at')) }} as loaded_at
from {{ source('stripe', 'disputes') }}
