-- One row per ticket, case or conversation: how fast the first agent answered, how many messages
-- each side wrote, and whether the customer ended more negative than they began.
with conversations as (
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
        max(case when from_first = 1 then customer_key end) as first_message_customer_key
    from scored
    group by conversation_key
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
    c.is_deleted
from conversations c
left join {{ ref('int_customer_identities') }} i
    on i.source = c.source and i.source_customer_id = c.source_customer_id
left join first_customer f on f.conversation_key = {{ dbt.concat(["c.source", "':'", "c.conversation_id"]) }}
left join counts n on n.conversation_key = {{ dbt.concat(["c.source", "':'", "c.conversation_id"]) }}
left join sentiment s on s.conversation_key = {{ dbt.concat(["c.source", "':'", "c.conversation_id"]) }}
