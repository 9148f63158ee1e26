"""Alerting: a run of the refresh or the backfill that ends Failed, Crashed or TimedOut sends a notification.

It is a Prefect automation on the server (event trigger on the flow-run state events of the two flows, one
``send-notification`` action) and a notification block that says where the message goes, both configured
from the environment by one idempotent command (re-running it replaces both):

    PREFECT_API_URL=http://127.0.0.1:4200/api \\
    INVENTORY_ALERT_WEBHOOK_URL=https://hooks.slack.com/services/T000/B000/XXXX INVENTORY_ALERT_KIND=slack \\
    python -m flows.alerts

``INVENTORY_ALERT_KIND``: ``webhook`` (default: a JSON POST ``{"text": subject + body}`` to the URL),
``slack`` (a Slack incoming webhook) or ``teams`` (a Microsoft Teams workflow webhook). The message names
the flow, the run, its final state, its error and its parameters; the warehouse's ``etl_run`` row with the
run's id (when the run got that far) has the same error and the row counts."""

from __future__ import annotations

import asyncio
import os
import sys
from uuid import UUID

# The flows' names (flows/refresh.py FLOW_NAME, BACKFILL_FLOW_NAME), not imported: importing the flow
# module imports the whole pipeline.
FLOW_NAMES = ("refresh-inventory", "backfill-inventory")
ALERT_KINDS = ("webhook", "slack", "teams")
BLOCK_NAME = "inventory-alerts"
AUTOMATION_NAME = "inventory-run-failed"
FAILED_EVENTS = ("prefect.flow-run.Failed", "prefect.flow-run.Crashed", "prefect.flow-run.TimedOut")
SUBJECT = "Inventory: {{ flow.name }} run {{ flow_run.name }} ended {{ flow_run.state.name }}"
BODY = (
    "Flow run {{ flow_run.name }} ({{ flow_run.id }}) of {{ flow.name }} ended {{ flow_run.state.name }} "
    "at {{ flow_run.state.timestamp }}.\n"
    "Error: {{ flow_run.state.message }}\n"
    "Parameters: {{ flow_run.parameters }}\n"
    "The published marts were left as they were. If the run got as far as the warehouse, its etl_run row "
    "(run_id {{ flow_run.id }}) has the error and the row counts."
)


def notification_block(kind: str, url: str):
    """The notification block that posts to ``url`` in the ``kind`` of webhook asked."""
    from prefect.blocks.notifications import (
        CustomWebhookNotificationBlock,
        MicrosoftTeamsWebhook,
        SlackWebhook,
    )

    if kind == "webhook":
        return CustomWebhookNotificationBlock(
            name=BLOCK_NAME, url=url, json_data={"text": "{{subject}}\n{{body}}"}
        )
    if kind == "slack":
        return SlackWebhook(url=url)
    if kind == "teams":
        return MicrosoftTeamsWebhook(url=url)
    raise ValueError(f"unknown INVENTORY_ALERT_KIND {kind!r}; expected one of {', '.join(ALERT_KINDS)}")


def automation(block_document_id: UUID):
    from prefect.automations import AutomationCore, EventTrigger, Posture, SendNotification

    return AutomationCore(
        name=AUTOMATION_NAME,
        description="Notify when a refresh or backfill run fails, crashes or times out (flows/alerts.py).",
        trigger=EventTrigger(
            expect=set(FAILED_EVENTS),
            match={"prefect.resource.id": "prefect.flow-run.*"},
            match_related={"prefect.resource.role": "flow", "prefect.resource.name": list(FLOW_NAMES)},
            posture=Posture.Reactive,
            threshold=1,
        ),
        actions=[SendNotification(block_document_id=block_document_id, subject=SUBJECT, body=BODY)],
    )


async def install(kind: str, url: str) -> UUID:
    """Save the block (overwriting), replace the automation of the same name; returns the automation's id."""
    from prefect.client.orchestration import get_client

    block = notification_block(kind, url)
    block_document_id = await block.asave(BLOCK_NAME, overwrite=True)
    async with get_client() as client:
        for existing in await client.read_automations_by_name(AUTOMATION_NAME):
            await client.delete_automation(existing.id)
        return await client.create_automation(automation(block_document_id))


def main() -> int:
    url = os.environ.get("INVENTORY_ALERT_WEBHOOK_URL")
    kind = os.environ.get("INVENTORY_ALERT_KIND", "webhook").lower()
    if not url:
        print("INVENTORY_ALERT_WEBHOOK_URL is not set: nowhere to send alerts", file=sys.stderr)
        return 2
    if kind not in ALERT_KINDS:
        print(f"INVENTORY_ALERT_KIND={kind!r}: expected one of {', '.join(ALERT_KINDS)}", file=sys.stderr)
        return 2
    automation_id = asyncio.run(install(kind, url))
    print(f"automation {AUTOMATION_NAME!r} ({automation_id}) notifies the {kind} block {BLOCK_NAME!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
