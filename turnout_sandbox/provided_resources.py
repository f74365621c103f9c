"""The resources a stack declares that moto's CloudFormation cannot create
(``cfn.PROVIDED_TYPES``): the sandbox plans their physical ids and ARNs before moto creates
the rest, and creates them through the services' own APIs after."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from turnout_sandbox import cfn


def plan(
    provided: dict[str, dict[str, Any]], resolver: cfn.Resolver, region: str, account: str
) -> tuple[dict[str, str], dict[str, str]]:
    """Each provided resource's physical id and ARN (what Ref and Fn::GetAtt give)."""
    physical: dict[str, str] = {}
    arns: dict[str, str] = {}
    for logical, resource in provided.items():
        props = resource.get("Properties", {})
        kind = resource["Type"]
        if kind == "AWS::CodeBuild::Project":
            name = str(resolver.resolve(props.get("Name", logical)))
            physical[logical] = name
            arns[logical] = f"arn:aws:codebuild:{region}:{account}:project/{name}"
        elif kind == "AWS::CloudWatch::Alarm":
            name = str(
                resolver.resolve(
                    props.get("AlarmName", f"{resolver.params['AWS::StackName']}-{logical}")
                )
            )
            physical[logical] = name
            arns[logical] = f"arn:aws:cloudwatch:{region}:{account}:alarm:{name}"
        elif kind in ("AWS::S3::BucketPolicy", "AWS::SQS::QueuePolicy"):
            # Ref of a bucket or queue policy is a generated id (they have no attributes)
            physical[logical] = f"{resolver.params['AWS::StackName']}-{logical}"
            arns[logical] = physical[logical]
        else:
            physical[logical] = f"{logical}-subscription"
            arns[logical] = physical[logical]
    return physical, arns


def create(
    provided: dict[str, dict[str, Any]],
    resolver: cfn.Resolver,
    physical: dict[str, str],
    client: Callable[[str], Any],
    update: bool = False,
) -> None:
    """Create (or, on an update, replace) the provided resources whose condition holds."""
    for logical, resource in provided.items():
        condition = resource.get("Condition")
        if condition and not resolver.conditions.get(condition, False):
            continue
        kind = resource["Type"]
        props = resolver.resolve(resource.get("Properties", {}))
        if kind == "AWS::CodeBuild::Project":
            _create_project(client("codebuild"), props, update)
        elif kind == "AWS::CloudWatch::Alarm":
            client("cloudwatch").put_metric_alarm(
                AlarmName=physical[logical],
                AlarmDescription=props.get("AlarmDescription", ""),
                Namespace=props["Namespace"],
                MetricName=props["MetricName"],
                Dimensions=props.get("Dimensions", []),
                Statistic=props.get("Statistic", "Sum"),
                Period=int(props["Period"]),
                EvaluationPeriods=int(props["EvaluationPeriods"]),
                Threshold=float(props["Threshold"]),
                ComparisonOperator=props["ComparisonOperator"],
                TreatMissingData=props.get("TreatMissingData", "missing"),
                AlarmActions=props.get("AlarmActions", []),
            )
        elif kind == "AWS::SQS::QueuePolicy":
            # AWS::SQS::QueuePolicy: the document becomes each queue's Policy attribute.
            for url in props["Queues"]:
                client("sqs").set_queue_attributes(
                    QueueUrl=url, Attributes={"Policy": json.dumps(props["PolicyDocument"])}
                )
        elif kind == "AWS::S3::BucketPolicy":
            client("s3").put_bucket_policy(
                Bucket=props["Bucket"], Policy=json.dumps(props["PolicyDocument"])
            )
        elif kind == "AWS::SNS::Subscription":
            client("sns").subscribe(
                TopicArn=props["TopicArn"],
                Protocol=props["Protocol"],
                Endpoint=props["Endpoint"],
            )


def _create_project(codebuild: Any, props: dict[str, Any], update: bool = False) -> None:
    env = props["Environment"]
    source = props["Source"]
    if update:  # UpdateStack replaces a project's properties (moto has no UpdateProject)
        codebuild.delete_project(name=props["Name"])
    codebuild.create_project(
        name=props["Name"],
        description=props.get("Description", ""),
        source={
            "type": source["Type"],
            "location": source.get("Location", ""),
            "buildspec": source.get("BuildSpec", ""),
        },
        sourceVersion=props.get("SourceVersion", ""),
        artifacts={"type": props.get("Artifacts", {}).get("Type", "NO_ARTIFACTS")},
        environment={
            "type": env["Type"],
            "image": env["Image"],
            "computeType": env["ComputeType"],
            "privilegedMode": bool(env.get("PrivilegedMode", False)),
            "environmentVariables": [
                {
                    "name": v["Name"],
                    "value": str(v["Value"]),
                    "type": v.get("Type", "PLAINTEXT"),
                }
                for v in env.get("EnvironmentVariables", [])
            ],
        },
        serviceRole=props["ServiceRole"],
        timeoutInMinutes=int(props.get("TimeoutInMinutes", 60)),
    )
