{{ config(
    materialized='incremental',
    unique_key='message_key',
    incremental_strategy=key_upsert_strategy(),
    on_schema_change='append_new_columns',
) }}
-- One row per customer message across all sources, with its sentiment, its customer and its
-- conversation. Incremental by day of change: a run rebuilds the messages changed in its window
-- (a deleted message comes back flagged), plus those whose customer was matched to another person
-- since (its record arrived, or gained an email), so customer_key always agrees with dim_customer.
with authors as (
    select a.source, a.message_id, i.customer_key
    from {{ ref('int_message_authors') }} a
    inner join {{ ref('int_customer_identities') }} i
        on i.source = a.source and i.source_customer_id = a.source_customer_id
),

messages as (
    select *
    from {{ ref('stg_feedback__customer_feedback') }}
    where author_role = 'customer'
    {% if is_incremental() %}
      and (
        {{ changed_in_window('updated_at') }}
        or message_key in (
            select t.message_key
            from {{ this }} t
            left join authors a on a.source = t.source and a.message_id = t.message_id
            where coalesce(t.customer_key, '') <> coalesce(a.customer_key, '')
        )
      )
    {% endif %}
)

select
    m.message_key,
    m.source,
    m.source_object,
    m.message_id,
    m.conversation_key,
    a.customer_key,
    m.channel,
    coalesce(p.language, m.language) as language,
    p.dialect_hint,
    s.sentiment_label,
    s.sentiment_score,
    s.sentiment_confidence,
    s.sentiment_provider,
    s.sentiment_model,
    m.vendor_sentiment,
    m.created_at,
    cast(m.created_at as date) as message_date,
    m.updated_at,
    m.is_deleted
from messages m
left join {{ ref('stg_feedback__feedback_preprocessed') }} p on p.message_key = m.message_key
left join {{ ref('stg_feedback__feedback_sentiment') }} s on s.message_key = m.message_key
left join authors a on a.source = m.source and a.message_id = m.message_id
