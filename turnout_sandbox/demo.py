"""The seed's demo service, "hello-aws", built inside the sandbox: CodeCommit, ECR, a VPC,
an ALB with blue/green target groups and production/test listeners, an ECS service under
CodeDeploy control, a CodeDeploy application and deployment group, an alarm and a health
URL. How healthy each commit is can be scripted."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final, Literal

from moto.ecs.models import ecs_backends
from moto.elbv2.models import elbv2_backends

from turnout_sandbox.clients import cached_client
from turnout_sandbox.runtime import get_runtime

Health = Literal["healthy", "unhealthy", "alarm", "probe-failing", "stuck"]
HEALTHS: tuple[str, ...] = ("healthy", "unhealthy", "alarm", "probe-failing", "stuck")

REPO = "hello-aws"
BRANCH = "master"
ECR_REPO = "ecr-hello-aws"
CLUSTER = "cluster-hello-aws"
SERVICE = "service-hello-aws"
FAMILY = "task-hello-aws"
CONTAINER = "hello-aws"
PORT = 8080
APPLICATION = "app-hello-aws"
GROUP = "dg-hello-aws"
ALARM = "hello-aws-5xx"


@dataclass(frozen=True)
class Names:
    """The AWS names of one demo service (the seed's is "hello-aws")."""

    service_name: str = "hello-aws"

    @property
    def repo(self) -> str:
        return self.service_name

    @property
    def ecr(self) -> str:
        return f"ecr-{self.service_name}"

    @property
    def cluster(self) -> str:
        return f"cluster-{self.service_name}"

    @property
    def service(self) -> str:
        return f"service-{self.service_name}"

    @property
    def family(self) -> str:
        return f"task-{self.service_name}"

    @property
    def container(self) -> str:
        return self.service_name

    @property
    def application(self) -> str:
        return f"app-{self.service_name}"

    @property
    def group(self) -> str:
        return f"dg-{self.service_name}"

    @property
    def alarm(self) -> str:
        return f"{self.service_name}-5xx"

    @property
    def stack(self) -> str:
        return f"turnout-{self.service_name}"


def taskdef_for(n: Names) -> dict[str, Any]:
    doc = json.loads(json.dumps(TASKDEF))
    doc["family"] = n.family
    doc["containerDefinitions"][0]["name"] = n.container
    doc["containerDefinitions"][0]["logConfiguration"]["options"]["awslogs-group"] = (
        f"/ecs/{n.service_name}"
    )
    return doc  # type: ignore[no-any-return]


def appspec_for(n: Names) -> str:
    return APPSPEC.replace(f'"{CONTAINER}"', f'"{n.container}"')


TASKDEF = {
    "family": FAMILY,
    "networkMode": "awsvpc",
    "requiresCompatibilities": ["FARGATE"],
    "cpu": "256",
    "memory": "512",
    "executionRoleArn": "arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
    "containerDefinitions": [
        {
            "name": CONTAINER,
            "image": "<IMAGE>",
            "essential": True,
            "memory": 512,
            "portMappings": [{"containerPort": PORT, "hostPort": PORT, "protocol": "tcp"}],
            "environment": [{"name": "SPRING_PROFILES_ACTIVE", "value": "prod"}],
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {
                    "awslogs-group": "/ecs/hello-aws",
                    "awslogs-region": "ap-northeast-2",
                    "awslogs-stream-prefix": "ecs",
                },
            },
        }
    ],
    # what the ECS console's JSON tab adds (turnout drops these):
    "compatibilities": ["EC2", "FARGATE"],
    "requiresAttributes": [{"name": "com.amazonaws.ecs.capability.logging-driver.awslogs"}],
    "revision": 1,
    "status": "ACTIVE",
}
APPSPEC = f"""version: 0.0
Resources:
  - TargetService:
      Type: AWS::ECS::Service
      Properties:
        TaskDefinition: <TASK_DEFINITION>
        LoadBalancerInfo:
          ContainerName: "{CONTAINER}"
          ContainerPort: {PORT}
"""
_BUILDSPEC = """version: 0.2
phases:
  install:
    runtime-versions: {java: corretto17}
  pre_build:
    commands:
<SHORTEN>      - REGISTRY=${REPOSITORY_URI%%/*}
      - aws ecr get-login-password | docker login -u AWS --password-stdin $REGISTRY
      - chmod +x ./gradlew
  build:
    commands:
      - ./gradlew build
      - docker build -t $REPOSITORY_URI:<COMMIT_TAG> .
      - docker tag $REPOSITORY_URI:<COMMIT_TAG> $REPOSITORY_URI:$IMAGE_TAG
  post_build:
    commands:
      # the commit tag first: turnout finds the commit from the tag on the same digest
      - docker push $REPOSITORY_URI:<COMMIT_TAG>
      - docker push $REPOSITORY_URI:$IMAGE_TAG
"""
BUILDSPEC = _BUILDSPEC.replace("<SHORTEN>", "").replace(
    "<COMMIT_TAG>", "$CODEBUILD_RESOLVED_SOURCE_VERSION"
)
#: The buildspec as most real ones are (9 of the 11 in the corpus of public buildspecs): the
#: image tagged with the commit id's first 7 characters (the ``short-tag`` scenario).
SHORT_TAG_BUILDSPEC = _BUILDSPEC.replace(
    "<SHORTEN>", "      - COMMIT_HASH=$(echo $CODEBUILD_RESOLVED_SOURCE_VERSION | cut -c 1-7)\n"
).replace("<COMMIT_TAG>", "$COMMIT_HASH")

_SERVICES: list[DemoService] = []
#: The AWS managed policy of an ECS CodeDeploy service role (published v3 of 2019-09-23, the
#: one moto 5.2.5 copies: docs.aws.amazon.com/aws-managed-policy/latest/reference/
#: AWSCodeDeployRoleForECS.html; turnout_sandbox/iam/managed.py).
_CODEDEPLOY_FOR_ECS: Final = "arn:aws:iam::aws:policy/AWSCodeDeployRoleForECS"
#: ECS Developer Guide, "Amazon ECS infrastructure IAM role for load balancers".
_ECS_INFRASTRUCTURE_FOR_LB: Final = (
    "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers"
)


def put_5xx_alarm(cloudwatch: Any, name: str, *, more_than: int, **settings: Any) -> None:
    """An alarm on the load balancer's target 5xx count: more than ``more_than`` 5xx responses
    in a minute trip it (``settings``: more PutMetricAlarm parameters)."""
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        Namespace="AWS/ApplicationELB",
        MetricName="HTTPCode_Target_5XX_Count",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=more_than,
        ComparisonOperator="GreaterThanThreshold",
        **settings,
    )


def blue_green_style(termination_wait_minutes: int) -> dict[str, Any]:
    """An ECS deployment group's blue/green settings: traffic shifts once the green task set
    is ready, the blue one is terminated ``termination_wait_minutes`` after success."""
    return {
        "deploymentStyle": {
            "deploymentType": "BLUE_GREEN",
            "deploymentOption": "WITH_TRAFFIC_CONTROL",
        },
        "blueGreenDeploymentConfiguration": {
            "terminateBlueInstancesOnDeploymentSuccess": {
                "action": "TERMINATE",
                "terminationWaitTimeInMinutes": termination_wait_minutes,
            },
            "deploymentReadyOption": {"actionOnTimeout": "CONTINUE_DEPLOYMENT"},
        },
    }


def _target_state(target_group_arn: str, task_definition_arn: str) -> str:
    """One target-health script for every demo service in the sandbox."""
    for demo in list(_SERVICES):
        if target_group_arn in (demo.arns.get("blue"), demo.arns.get("green")):
            return demo._target_state(target_group_arn, task_definition_arn)
    return "healthy"


@dataclass
class DemoService:
    n: Names = field(default_factory=Names)
    termination_wait_minutes: int = 5
    deployment_config: str = "CodeDeployDefault.ECSAllAtOnce"
    #: codedeploy (a CODE_DEPLOY service) or ecs (ECS built-in blue/green: demo_ecs.py)
    engine: str = "codedeploy"
    #: ecs: the service's deploymentConfiguration (None: BLUE_GREEN, bake 0)
    ecs_deployment_configuration: dict[str, Any] | None = None
    health: dict[str, str] = field(default_factory=dict)
    arns: dict[str, str] = field(default_factory=dict)
    initial_commit: str = ""
    _server: ThreadingHTTPServer | None = None
    _td_commits: dict[str, str] = field(default_factory=dict)
    _alarm_state: str = "OK"
    _stopped: bool = False
    _version: int = 0

    # -- scripting ------------------------------------------------------------------------
    def script(self, commit_id: str, health: str) -> None:
        if health not in HEALTHS:
            raise ValueError(f"health {health!r} is not one of {', '.join(HEALTHS)}")
        self.health[commit_id] = health

    def health_of(self, commit_id: str | None) -> str:
        return self.health.get(commit_id or "", "healthy")

    # -- set-up ---------------------------------------------------------------------------
    def create(self) -> DemoService:

        from turnout_sandbox.emulators import codebuild, codecommit, codedeploy, ecr

        rt = get_runtime()

        def c(service: str) -> Any:
            return cached_client(service, rt.region)

        iam, ec2, elb, ecs, cd, cw = (
            c("iam"),
            c("ec2"),
            c("elbv2"),
            c("ecs"),
            c("codedeploy"),
            c("cloudwatch"),
        )
        trust: Any = lambda svc: json.dumps(  # noqa: E731
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": svc}, "Action": "sts:AssumeRole"}
                ],
            }
        )

        def role(name: str, service: str) -> str:  # shared by every demo service
            try:
                return str(iam.get_role(RoleName=name)["Role"]["Arn"])
            except iam.exceptions.NoSuchEntityException:
                document = trust(service)
                return str(
                    iam.create_role(RoleName=name, AssumeRolePolicyDocument=document)["Role"]["Arn"]
                )

        exec_role = role("ecsTaskExecutionRole", "ecs-tasks.amazonaws.com")
        cd_role = role("ecsCodeDeployRole", "codedeploy.amazonaws.com")
        # The CodeDeploy service role as the ECS Developer Guide creates it ("Amazon ECS
        # CodeDeploy IAM Role"): AWSCodeDeployRoleForECS attached (CodeDeploy acts as it,
        # emulators/codedeploy/service_role.py; attaching again is a no-op in IAM).
        iam.attach_role_policy(RoleName="ecsCodeDeployRole", PolicyArn=_CODEDEPLOY_FOR_ECS)
        self.arns["executionRole"] = exec_role
        c("codecommit").create_repository(
            repositoryName=self.n.repo, repositoryDescription="the seed's hello-aws service"
        )
        c("ecr").create_repository(repositoryName=self.n.ecr)
        self.initial_commit = codecommit.commit_files(
            self.n.repo, BRANCH, self.files("v0"), "Initial commit: hello-aws"
        )
        tree = codecommit.get_commit(self.n.repo, self.initial_commit).tree_id
        digest = ecr.push_image(
            self.n.ecr,
            codebuild.build_manifest(self.initial_commit, tree),
            [self.initial_commit, "latest"],
        )
        registry = f"{rt.account}.dkr.ecr.{rt.region}.amazonaws.com/{self.n.ecr}@{digest}"

        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
        ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsSupport={"Value": True})
        subnets = [
            ec2.create_subnet(
                VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{rt.region}{z}"
            )["Subnet"]["SubnetId"]
            for i, z in ((1, "a"), (2, "c"))
        ]
        sg = ec2.create_security_group(
            GroupName=self.n.service_name, Description=self.n.service_name, VpcId=vpc
        )["GroupId"]
        lb = elb.create_load_balancer(
            Name=f"alb-{self.n.service_name}",
            Subnets=subnets,
            SecurityGroups=[sg],
            Type="application",
        )["LoadBalancers"][0]
        tgs = {}
        for color in ("blue", "green"):
            tgs[color] = elb.create_target_group(
                Name=f"tg-{self.n.service_name}-{color}",
                Protocol="HTTP",
                Port=PORT,
                VpcId=vpc,
                TargetType="ip",
                HealthCheckPath="/actuator/health",
            )["TargetGroups"][0]["TargetGroupArn"]
        prod = elb.create_listener(
            LoadBalancerArn=lb["LoadBalancerArn"],
            Protocol="HTTP",
            Port=80,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": tgs["blue"]}],
        )["Listeners"][0]["ListenerArn"]
        test = elb.create_listener(
            LoadBalancerArn=lb["LoadBalancerArn"],
            Protocol="HTTP",
            Port=8080,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": tgs["blue"]}],
        )["Listeners"][0]["ListenerArn"]
        self.arns |= {
            "blue": tgs["blue"],
            "green": tgs["green"],
            "prodListener": prod,
            "testListener": test,
            "alb": lb["LoadBalancerArn"],
        }

        ecs.create_cluster(clusterName=self.n.cluster)
        td_kwargs = {
            k: v
            for k, v in taskdef_for(self.n).items()
            if k not in ("compatibilities", "requiresAttributes", "revision", "status")
        }
        first: Any = taskdef_for(self.n)["containerDefinitions"]
        td_kwargs["containerDefinitions"] = [dict(first[0], image=registry)]
        td_arn = ecs.register_task_definition(**td_kwargs)["taskDefinition"]["taskDefinitionArn"]
        self._td_commits[td_arn] = self.initial_commit
        network = {
            "awsvpcConfiguration": {
                "subnets": subnets,
                "securityGroups": [sg],
                "assignPublicIp": "DISABLED",
            }
        }
        if self.engine == "ecs":
            from turnout_sandbox.demo_ecs import create_ecs_service

            infra_role = role("ecsInfrastructureRoleForLoadBalancers", "ecs.amazonaws.com")
            # as the guide creates it: ECS moves the weights as this role (ecs_bluegreen/roles.py)
            iam.attach_role_policy(
                RoleName="ecsInfrastructureRoleForLoadBalancers",
                PolicyArn=_ECS_INFRASTRUCTURE_FOR_LB,
            )
            create_ecs_service(self, ecs, elb, infra_role, td_arn, network)
        else:
            self._create_codedeploy_service(ecs, cd, cd_role, td_arn, network)
        put_5xx_alarm(
            cw,
            self.n.alarm,
            more_than=5,
            Dimensions=[{"Name": "LoadBalancer", "Value": f"app/alb-{self.n.service_name}/1"}],
            TreatMissingData="notBreaching",
        )
        cw.set_alarm_state(AlarmName=self.n.alarm, StateValue="OK", StateReason="sandbox start")
        _SERVICES.append(self)
        codedeploy.set_target_health_provider(_target_state)
        self._start_http()
        self._watch_alarm()
        return self

    def _create_codedeploy_service(
        self, ecs: Any, cd: Any, cd_role: str, td_arn: str, network: dict[str, Any]
    ) -> None:
        """The seed's service: CODE_DEPLOY-controlled, one task set on blue, and its
        CodeDeploy application and deployment group."""
        tgs = {"blue": self.arns["blue"], "green": self.arns["green"]}
        prod, test = self.arns["prodListener"], self.arns["testListener"]
        ecs.create_service(
            cluster=self.n.cluster,
            serviceName=self.n.service,
            taskDefinition=td_arn,
            desiredCount=2,
            launchType="FARGATE",
            deploymentController={"type": "CODE_DEPLOY"},
            networkConfiguration=network,
            loadBalancers=[
                {
                    "targetGroupArn": tgs["blue"],
                    "containerName": self.n.container,
                    "containerPort": PORT,
                }
            ],
        )
        services = ecs.describe_services(cluster=self.n.cluster, services=[self.n.service])[
            "services"
        ][0]
        if not services.get("taskSets"):
            ts = ecs.create_task_set(
                cluster=self.n.cluster,
                service=self.n.service,
                taskDefinition=td_arn,
                launchType="FARGATE",
                networkConfiguration=network,
                scale={"value": 100.0, "unit": "PERCENT"},
                loadBalancers=[
                    {
                        "targetGroupArn": tgs["blue"],
                        "containerName": self.n.container,
                        "containerPort": PORT,
                    }
                ],
            )["taskSet"]
            ecs.update_service_primary_task_set(
                cluster=self.n.cluster, service=self.n.service, primaryTaskSet=ts["taskSetArn"]
            )

        cd.create_application(applicationName=self.n.application, computePlatform="ECS")
        cd.create_deployment_group(
            applicationName=self.n.application,
            deploymentGroupName=self.n.group,
            serviceRoleArn=cd_role,
            deploymentConfigName=self.deployment_config,
            **blue_green_style(self.termination_wait_minutes),
            autoRollbackConfiguration={"enabled": True, "events": ["DEPLOYMENT_FAILURE"]},
            ecsServices=[{"serviceName": self.n.service, "clusterName": self.n.cluster}],
            loadBalancerInfo={
                "targetGroupPairInfoList": [
                    {
                        "targetGroups": [
                            {"name": f"tg-{self.n.service_name}-blue"},
                            {"name": f"tg-{self.n.service_name}-green"},
                        ],
                        "prodTrafficRoute": {"listenerArns": [prod]},
                        "testTrafficRoute": {"listenerArns": [test]},
                    }
                ]
            },
        )

    def files(self, version: str) -> dict[str, str]:
        return {
            "taskdef.json": json.dumps(taskdef_for(self.n), indent=2) + "\n",
            "appspec.yaml": appspec_for(self.n),
            "buildspec.yml": BUILDSPEC,
            "src/main/resources/version.txt": version + "\n",
            "dockerfile": 'FROM amazoncorretto:17\nCOPY build/libs/*.jar app.jar\nENTRYPOINT ["java","-jar","/app.jar"]\n',  # noqa: E501
        }

    def push(self, message: str, files: dict[str, str] | None = None) -> str:
        """A git push to master: a new commit (the push event follows, as on AWS)."""
        from turnout_sandbox.emulators import codecommit

        self._version += 1
        changed = (
            files
            if files is not None
            else {"src/main/resources/version.txt": f"v{self._version}\n"}
        )
        return codecommit.commit_files(self.n.repo, BRANCH, changed, message)

    # -- observing ------------------------------------------------------------------------
    def commit_of_task_definition(self, td_arn: str) -> str | None:
        if td_arn in self._td_commits:
            return self._td_commits[td_arn]

        rt = get_runtime()
        ecs = cached_client("ecs", rt.region)
        ecr = cached_client("ecr", rt.region)
        described = ecs.describe_task_definition(taskDefinition=td_arn, include=["TAGS"])
        td = described["taskDefinition"]
        # turnout tags what it registers with the full commit (whatever the image's tags:
        # a short commit tag, say); the seed's own task definition has only its image tags.
        tagged = {t["key"]: t["value"] for t in described.get("tags", [])}
        if tagged.get("turnout:commit"):
            self._td_commits[td_arn] = str(tagged["turnout:commit"])
            return self._td_commits[td_arn]
        for container in td["containerDefinitions"]:
            image = container.get("image", "")
            if "@sha256:" in image and f"/{self.n.ecr}@" in image:
                digest = image.split("@", 1)[1]
                tags = ecr.describe_images(
                    repositoryName=self.n.ecr, imageIds=[{"imageDigest": digest}]
                )["imageDetails"][0].get("imageTags", [])
                commits = sorted(str(t) for t in tags if len(str(t)) == 40)
                if commits:
                    self._td_commits[td_arn] = commits[0]
                    return commits[0]
        return None

    def serving(self) -> dict[str, Any]:
        """Which task set (and commit) the production listener sends traffic to."""
        if self.engine == "ecs":
            from turnout_sandbox.demo_ecs import serving_ecs

            return serving_ecs(self)
        rt = get_runtime()
        elb = cached_client("elbv2", rt.region)
        ecs = cached_client("ecs", rt.region)
        action: Any = elb.describe_listeners(ListenerArns=[self.arns["prodListener"]])["Listeners"][
            0
        ]["DefaultActions"][0]
        target_group = _heaviest_target_group(action)
        service = ecs.describe_services(cluster=self.n.cluster, services=[self.n.service])[
            "services"
        ][0]
        task_sets = service.get("taskSets", [])
        serving = [ts for ts in task_sets if _routes_to(ts.get("loadBalancers", []), target_group)]
        td = serving[0]["taskDefinition"] if serving else None
        return {
            "targetGroup": "green" if target_group == self.arns["green"] else "blue",
            "taskDefinitionArn": td,
            "commit": self.commit_of_task_definition(td) if td else None,
            "taskSets": [
                {"id": ts["id"], "status": ts["status"], "taskDefinition": ts["taskDefinition"]}
                for ts in task_sets
            ],
        }

    def routed_commit(self) -> str | None:
        """The commit a request to the production listener reaches, as the load balancer's
        data plane sees it: the same rule as :meth:`serving`, read from moto's elbv2 and
        ECS backends in process rather than through DescribeListeners and DescribeServices.
        A request to the service is not an AWS API call (no signature, no IAM, no
        throttling), so the health probe a gate sends every check interval costs no
        emulated control-plane calls; :meth:`serving` stays the API view the scenarios
        check."""
        if self.engine == "ecs":
            commit = self.serving()["commit"]
            return str(commit) if commit is not None else None
        rt = get_runtime()
        listener = elbv2_backends[rt.account][rt.region].describe_listeners(
            None, [self.arns["prodListener"]]
        )[0]
        target_group = _heaviest_target_group(listener.default_actions[0].data)
        services, _ = ecs_backends[rt.account][rt.region].describe_services(
            self.n.cluster, [self.n.service]
        )
        for task_set in services[0].task_sets if services else []:
            if _routes_to(task_set.load_balancers, target_group):
                return self.commit_of_task_definition(task_set.task_definition)
        return None

    def commits_in_production(self) -> list[str | None]:
        """The commits production traffic reaches: the serving one, or under ECS's LINEAR /
        CANARY every revision with a share of the production listener rule."""
        if self.engine == "ecs":
            from turnout_sandbox.demo_ecs import commits_in_production

            return commits_in_production(self)
        return [self.serving()["commit"]]

    def _target_state(self, target_group_arn: str, task_definition_arn: str) -> str:
        health = self.health_of(self.commit_of_task_definition(task_definition_arn))
        return {"unhealthy": "unhealthy", "stuck": "initial"}.get(health, "healthy")

    def _start_http(self) -> None:
        demo = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                try:
                    commit = demo.routed_commit()
                except Exception:
                    commit = None
                health = demo.health_of(commit)
                if health == "stuck":  # never gets healthy: its health endpoint never answers
                    self.close_connection = True
                    return
                code = 503 if health in ("probe-failing", "unhealthy") else 200
                body = json.dumps(
                    {"status": "UP" if code == 200 else "DOWN", "commit": commit}
                ).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, name="demo-http", daemon=True).start()

    @property
    def health_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/actuator/health"

    def _watch_alarm(self) -> None:
        """CloudWatch does not evaluate alarms in moto: the demo service sets its state."""
        if self._stopped:
            return
        if self._alarm_state == "OK" and "alarm" not in self.health.values():
            # no commit of this service ever alarms and the alarm is OK: nothing to look up
            get_runtime().clock.call_later(30, self._watch_alarm, "demo-alarm")
            return
        try:
            commits = self.commits_in_production()
            alarming = [c for c in commits if self.health_of(c) == "alarm"]
            commit = alarming[0] if alarming else (commits[0] if commits else None)
            wanted = "ALARM" if alarming else "OK"
            if wanted != self._alarm_state:
                cached_client("cloudwatch", get_runtime().region).set_alarm_state(
                    AlarmName=self.n.alarm,
                    StateValue="ALARM" if wanted == "ALARM" else "OK",
                    StateReason=f"5xx from commit {str(commit)[:12]}",
                )
                self._alarm_state = wanted
        except Exception as exc:
            get_runtime().log("demo", f"alarm watch: {exc}")
        get_runtime().clock.call_later(30, self._watch_alarm, "demo-alarm")

    def stop(self) -> None:
        self._stopped = True
        if self in _SERVICES:
            _SERVICES.remove(self)
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def stack_parameters(
        self, *, trigger: str = "push", bake_minutes: int = 5, timeout_minutes: int = 10
    ) -> dict[str, str]:
        return {
            "RepositoryName": self.n.repo,
            "BranchName": BRANCH,
            "BuildTrigger": trigger,
            "EcrRepositoryName": self.n.ecr,
            "ImageTag": "latest",
            "ClusterName": self.n.cluster,
            "ServiceName": self.n.service,
            "TaskRoleArns": self.arns["executionRole"],
            "GateAlarmNames": self.n.alarm,
            "GateHttpUrl": self.health_url,
            "GateBakeMinutes": str(bake_minutes),
            "GateTimeoutMinutes": str(timeout_minutes),
        } | (
            # ECS built-in blue/green: the gate reads alarms and the probe (README,
            # "Deployment engines": target health is not wired for this engine yet); no
            # CodeDeploy application or group (the parameters default to empty)
            {"DeploymentEngine": "ecs", "GateTargetHealth": "false"}
            if self.engine == "ecs"
            else {"CodeDeployApplication": self.n.application, "DeploymentGroupName": self.n.group}
        )


def _heaviest_target_group(action: dict[str, Any]) -> str | None:
    """The target group a listener's forward action sends (most of) its traffic to: the
    heaviest of a weighted ForwardConfig, else the single TargetGroupArn (ELBv2 API
    Reference, Action and ForwardActionConfig: "If you specify both ForwardConfig and
    TargetGroupArn, you can specify only one target group using ForwardConfig")."""
    groups: Any = action.get("ForwardConfig", {}).get("TargetGroups") or [
        {"TargetGroupArn": action.get("TargetGroupArn"), "Weight": 1}
    ]
    heaviest = max(groups, key=lambda g: g.get("Weight", 1)).get("TargetGroupArn")
    return str(heaviest) if heaviest is not None else None


def _routes_to(load_balancers: list[dict[str, Any]], target_group: str | None) -> bool:
    """Whether a task set is registered with ``target_group`` (its loadBalancers)."""
    return any(lb.get("targetGroupArn") == target_group for lb in load_balancers)
