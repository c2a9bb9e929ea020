{% macro flagged_rows_summary(results) -%}
    {#- on-run-end: prints how many rows each warn-severity data test flagged and where they
        are stored, so a run that built every mart still says which rows broke a business rule
        and which dimension members are inferred (print() shows even under --quiet). Returns no
        SQL. -#}
    {%- if execute -%}
        {%- set flagged = [] -%}
        {%- for result in results
            if result.node.resource_type == 'test' and result.status == 'warn' and (result.failures or 0) > 0 -%}
            {%- do flagged.append(result) -%}
        {%- endfor -%}
        {%- if flagged -%}
            {%- set total = flagged | sum(attribute='failures') -%}
            {%- do print('Flagged rows: ' ~ total ~ ' row(s) in ' ~ flagged | length
                ~ ' warn-severity check(s) (business rules, late-arriving members); nothing was skipped for them.') -%}
            {%- for result in flagged | sort(attribute='node.name') -%}
                {%- set checked = [result.node.attached_node] if result.node.attached_node
                    else result.node.depends_on.nodes -%}
                {%- set names = [] -%}
                {%- for unique_id in checked -%}
                    {%- do names.append(unique_id.split('.')[-1]) -%}
                {%- endfor -%}
                {%- set model = names | join(', ') -%}
                {%- set where = result.node.relation_name
                    if result.node.config.store_failures and result.node.relation_name
                    else 'dbt test --select ' ~ result.node.name ~ ' --store-failures' -%}
                {%- do print('  ' ~ result.failures ~ ' row(s) in ' ~ model ~ ': ' ~ result.node.name ~ ' -> ' ~ where) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
