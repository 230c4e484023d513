-- One row per real person across Salesforce, HubSpot, Zendesk, Intercom and the people heard on calls,
-- SMS and WhatsApp, bookings and payments (matching rule in the model's documentation), with each
-- system's id, when they were first and last seen, and what they wrote.
with identities as (
    select * from {{ ref('int_customer_identities') }}
),

people as (
    select
        customer_key,
        min(email_normalized) as email,
        min(phone_e164) as phone_e164,
        min(name) as name,
        min(matched_on) as matched_on,
        count(*) as identities,
        min(case when source = 'zendesk' then source_customer_id end) as zendesk_user_id,
        min(case when source = 'salesforce' then source_customer_id end) as salesforce_contact_id,
        min(case when source = 'hubspot' then source_customer_id end) as hubspot_contact_id,
        min(case when source = 'intercom' then source_customer_id end) as intercom_contact_id,
        {%- for source in ['retell', 'twilio', 'calendly', 'stripe'] %}
        min(case when source = '{{ source }}' then source_customer_id end) as {{ source }}_customer_id,
        {%- endfor %}
        min(case when is_deleted then 1 else 0 end) = 1 as is_deleted
    from identities
    group by customer_key
),

messages as (
    select
        customer_key,
        count(*) as messages,
        sum(case when sentiment_label = 'negative' then 1 else 0 end) as negative_messages,
        sum(case when sentiment_label = 'neutral' then 1 else 0 end) as neutral_messages,
        sum(case when sentiment_label = 'positive' then 1 else 0 end) as positive_messages,
        avg(sentiment_score) as mean_sentiment_score,
        min(created_at) as first_message_at,
        max(created_at) as last_message_at
    from {{ ref('fct_customer_feedback') }}
    where customer_key is not null and not is_deleted
    group by customer_key
),

seen as (
    select customer_key, min(seen_at) as first_seen_at, max(seen_at) as last_seen_at
    from (
        select customer_key, created_at as seen_at from identities
        union all
        select customer_key, created_at from {{ ref('fct_customer_feedback') }}
        where customer_key is not null and not is_deleted
    ) events
    group by customer_key
)

select
    p.customer_key,
    p.email,
    p.phone_e164,
    p.name,
    p.matched_on,
    p.identities,
    p.zendesk_user_id,
    p.salesforce_contact_id,
    p.hubspot_contact_id,
    p.intercom_contact_id,
    p.retell_customer_id,
    p.twilio_customer_id,
    p.calendly_customer_id,
    p.stripe_customer_id,
    s.first_seen_at,
    s.last_seen_at,
    coalesce(m.messages, 0) as messages,
    coalesce(m.negative_messages, 0) as negative_messages,
    coalesce(m.neutral_messages, 0) as neutral_messages,
    coalesce(m.positive_messages, 0) as positive_messages,
    m.mean_sentiment_score,
    m.first_message_at,
    m.last_message_at,
    p.is_deleted
from people p
left join messages m on m.customer_key = p.customer_key
left join seen s on s.customer_key = p.customer_key
