-- One row per ticket, case, conversation, call, message thread, booking or payment case: how fast
-- the first agent answered, how many messages each side wrote, whether the customer ended more
-- negative than they began, and, where the vendor scores sentiment itself (Retell's post-call
-- analysis), whether its reading agrees with ours.
with staged as (
    select 'zendesk' as source, ticket_id as conversation_id, requester_user_id as source_customer_id, channel,
           status, created_at, updated_at, is_deleted
    from {{ ref('stg_zendesk__tickets') }}
    union all
    select 'salesforce', case_id, contact_id, channel, status, created_at, updated_at, is_deleted
    from {{ ref('stg_salesforce__cases') }}
    union all
    select 'hubspot', ticket_id, cast(null as {{ dbt.type_string() }}), channel, pipeline_stage, created_at,
           updated_at, is_deleted
    from {{ ref('stg_hubspot__tickets') }}
    union all
    select 'intercom', conversation_id, cast(null as {{ dbt.type_string() }}), channel, state, created_at,
           updated_at, is_deleted
    from {{ ref('stg_intercom__conversations') }}
),

-- the other sources' conversations as their messages show them: every channel is a conversation
-- here without a model of its own (status is the vendor's business; NULL)
from_messages as (
    select source, conversation_id, min(channel) as channel, min(created_at) as created_at,
           max(updated_at) as updated_at, min(case when is_deleted then 1 else 0 end) = 1 as is_deleted
    from {{ ref('stg_feedback__customer_feedback') }}
    where source not in (select distinct source from staged)
    group by source, conversation_id
),

conversations as (
    select source, conversation_id, source_customer_id, channel, status, created_at, updated_at, is_deleted
    from staged
    union all
    select source, conversation_id, cast(null as {{ dbt.type_string() }}), channel,
           cast(null as {{ dbt.type_string() }}), created_at, updated_at, is_deleted
    from from_messages
),

messages as (
    select conversation_key, author_role, created_at
    from {{ ref('stg_feedback__customer_feedback') }}
    where not is_deleted
),

first_customer as (
    select conversation_key, min(created_at) as first_customer_message_at
    from messages
    where author_role = 'customer'
    group by conversation_key
),

counts as (
    select
        m.conversation_key,
        sum(case when m.author_role = 'customer' then 1 else 0 end) as customer_messages,
        sum(case when m.author_role = 'agent' then 1 else 0 end) as agent_messages,
        min(case when m.author_role = 'agent' and m.created_at >= f.first_customer_message_at
                 then m.created_at end) as first_response_at
    from messages m
    left join first_customer f on f.conversation_key = m.conversation_key
    group by m.conversation_key
),

scored as (
    select
        conversation_key,
        customer_key,
        sentiment_label,
        sentiment_score,
        vendor_sentiment,
        row_number() over (partition by conversation_key order by created_at, message_key) as from_first,
        row_number() over (partition by conversation_key order by created_at desc, message_key desc) as from_last
    from {{ ref('fct_customer_feedback') }}
    where not is_deleted and sentiment_label is not null
),

sentiment as (
    select
        conversation_key,
        count(*) as scored_messages,
        max(case when from_first = 1 then sentiment_label end) as first_sentiment_label,
        max(case when from_first = 1 then sentiment_score end) as first_sentiment_score,
        max(case when from_last = 1 then sentiment_label end) as last_sentiment_label,
        max(case when from_last = 1 then sentiment_score end) as last_sentiment_score,
        max(case when from_first = 1 then customer_key end) as first_message_customer_key,
        avg(sentiment_score) as mean_sentiment_score,
        sum(case when sentiment_label = 'negative' then 1 else 0 end) as negative_messages,
        sum(case when sentiment_label = 'positive' then 1 else 0 end) as positive_messages,
        max(case when vendor_sentiment in ('negative', 'neutral', 'positive') then vendor_sentiment end)
            as vendor_sentiment_label
    from scored
    group by conversation_key
),

-- our reading of the whole conversation: the side with more scored messages, neutral on a tie
overall as (
    select
        conversation_key,
        case
            when negative_messages > positive_messages then 'negative'
            when positive_messages > negative_messages then 'positive'
            else 'neutral'
        end as overall_sentiment_label
    from sentiment
)

select
    {{ dbt.concat(["c.source", "':'", "c.conversation_id"]) }} as conversation_key,
    c.source,
    c.conversation_id,
    coalesce(i.customer_key, s.first_message_customer_key) as customer_key,
    c.channel,
    c.status,
    c.created_at,
    c.updated_at,
    f.first_customer_message_at,
    n.first_response_at,
    {{ dbt.datediff('f.first_customer_message_at', 'n.first_response_at', 'second') }} / 60.0
        as first_response_minutes,
    coalesce(n.customer_messages, 0) as customer_messages,
    coalesce(n.agent_messages, 0) as agent_messages,
    coalesce(s.scored_messages, 0) as scored_messages,
    s.first_sentiment_label,
    s.first_sentiment_score,
    s.last_sentiment_label,
    s.last_sentiment_score,
    case when s.scored_messages >= 2 and s.last_sentiment_score < s.first_sentiment_score then true else false end
        as ended_more_negative,
    s.mean_sentiment_score,
    o.overall_sentiment_label,
    s.vendor_sentiment_label,
    case when s.vendor_sentiment_label is not null then s.vendor_sentiment_label = o.overall_sentiment_label end
        as agrees_with_vendor_sentiment,
    c.is_deleted
from conversations c
left join {{ ref('int_customer_identities') }} i
    on i.source = c.source and i.source_customer_id = c.source_customer_id
left join first_customer f on f.conversation_key = {{ dbt.concat(["c.source", "':'", "c.conversation_id"]) }}
left join counts n on n.conversation_key = {{ dbt.concat(["c.source", "':'", "c.conversation_id"]) }}
left join sentiment s on s.conversation_key = {{ dbt.concat(["c.source", "':'", "c.conversation_id"]) }}
left join overall o on o.conversation_key = {{ dbt.concat(["c.source", "':'", "c.conversation_id"]) }}
