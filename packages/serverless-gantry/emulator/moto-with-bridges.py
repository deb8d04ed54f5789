"""moto_server with the bridges a Gantry deploy rehearsal needs (moto 5.2.1).

`sls gantry rehearse` runs this file with the machine's Python instead of `moto_server`. Each bridge
below names the gap of moto it covers (measured: each was seen failing with stock moto, see the
repository's docs/deploy.md, "Rehearse a deploy"). They patch moto's classes at run time in this
process only: nothing in site-packages is edited, and a newer moto that fixes a gap needs only the
bridge removed.

Usage: python3 moto-with-bridges.py -H 127.0.0.1 -p PORT
"""

import json
import sys
from typing import Any
from urllib.parse import unquote

from moto.apigatewayv2.models import apigatewayv2_backends
from moto.awslambda.models import LambdaBackend
from moto.awslambda.responses import LambdaResponse
from moto.cognitoidp.exceptions import InvalidParameterException
from moto.cognitoidp.models import cognitoidp_backends
from moto.cloudformation import models as cfn_models
from moto.cloudformation import utils as cfn_utils
from moto.cloudformation.exceptions import ValidationError
from moto.core.common_models import CloudFormationModel
from moto.core.exceptions import AccessDeniedError, JsonRESTError
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoHandler
from moto.dynamodbstreams.responses import DynamoDBStreamsHandler
from moto.iam.access_control import IAMRequest
from moto.iam.models import Role, iam_backends
from moto.s3.models import FakeBucket, s3_backends
from moto.scheduler.models import scheduler_backends
from moto.sqs.models import Queue, sqs_backends
from moto.sqs.responses import SQSResponse
from moto.utilities.utils import get_partition


def camel(value: Any) -> Any:
    """CloudFormation writes PascalCase keys; moto's apigatewayv2 models keep the API's camelCase."""
    if isinstance(value, dict):
        return {key[:1].lower() + key[1:]: camel(item) for key, item in value.items()}
    if isinstance(value, list):
        return [camel(item) for item in value]
    return value


# Gap 1: moto's ValidateTemplate runs cfn-lint and refuses a template on its first finding,
# warnings and informational ones included (AWS's ValidateTemplate checks syntax only), and words it
# as "Stack with id <message> does not exist". Keep cfn-lint's errors (rule ids E...), which AWS
# would also refuse at deploy time, and report each with its rule and where it is
# (Resources/<logical id>/...), so the broken resource is named.
_lint = cfn_utils.validate_template_cfn_lint


def lint_errors_only(template: str) -> list[Any]:
    errors = [match for match in _lint(template) if str(match.rule.id).startswith("E")]
    if errors:
        found = "; ".join(
            f"{match.rule.id} at {'/'.join(str(part) for part in match.path)}: {match.message}" for match in errors
        )
        raise ValidationError(message=f"Template error (cfn-lint): {found}")
    return errors


cfn_models.validate_template_cfn_lint = lint_errors_only


# Gap 2: no CloudFormation support for AWS::ApiGatewayV2::Api/Stage/Integration/Route/Authorizer
# ("No Moto CloudFormation support"), though moto's apigatewayv2 backend exists. These models
# create, update and delete through that backend. moto finds models as subclasses of
# CloudFormationModel, so defining them registers them.
def _backend(account_id: str, region_name: str) -> Any:
    return apigatewayv2_backends[account_id][region_name]


# moto's model registry keys classes by their module's second part (moto.<service>...).
MODELS_MODULE = "moto.apigatewayv2.models"


class HttpApiModel(CloudFormationModel):
    __module__ = MODELS_MODULE
    def __init__(self, api: Any) -> None:
        self.api = api

    @property
    def physical_resource_id(self) -> str:
        return self.api.api_id

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGatewayV2::Api"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in ("ApiEndpoint", "ApiId")

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

        if attribute_name == "ApiEndpoint":
            return self.api.api_endpoint
        if attribute_name == "ApiId":
            return self.api.api_id
        raise UnformattedGetAttTemplateException()

    @staticmethod
    def _args(props: dict[str, Any]) -> dict[str, Any]:
        return {
            "api_key_selection_expression": props.get("ApiKeySelectionExpression"),
            "cors_configuration": camel(props.get("CorsConfiguration")),
            "description": props.get("Description"),
            "disable_schema_validation": props.get("DisableSchemaValidation"),
            "disable_execute_api_endpoint": props.get("DisableExecuteApiEndpoint"),
            "name": props.get("Name"),
            "route_selection_expression": props.get("RouteSelectionExpression"),
            "version": props.get("Version"),
        }

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):  # type: ignore[no-untyped-def]
        props = cloudformation_json.get("Properties", {})
        api = _backend(account_id, region_name).create_api(
            protocol_type=props.get("ProtocolType"), tags=props.get("Tags") or {}, **cls._args(props)
        )
        return cls(api)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):  # type: ignore[no-untyped-def]
        props = cloudformation_json.get("Properties", {})
        original_resource.api.update(**cls._args(props))
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):  # type: ignore[no-untyped-def]
        _backend(account_id, region_name).delete_api(resource_name)

    def delete(self, account_id: str, region_name: str) -> None:
        _backend(account_id, region_name).delete_api(self.api.api_id)

    def is_created(self) -> bool:
        return True


class _ApiChild:
    """A resource that lives inside one HTTP API: an update replaces it under the same id.
    Each model lists CloudFormationModel as a direct base: moto finds models by __subclasses__()."""

    collection = ""
    id_attribute = "id"

    def __init__(self, api_id: str, item: Any, account_id: str, region_name: str) -> None:
        self.api_id = api_id
        self.item = item
        self.account_id = account_id
        self.region_name = region_name

    @property
    def physical_resource_id(self) -> str:
        return getattr(self.item, self.id_attribute)

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return False

    @classmethod
    def make(cls, api: Any, props: dict[str, Any]) -> Any:
        raise NotImplementedError

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):  # type: ignore[no-untyped-def]
        props = cloudformation_json.get("Properties", {})
        api = _backend(account_id, region_name).get_api(props["ApiId"])
        return cls(props["ApiId"], cls.make(api, props), account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):  # type: ignore[no-untyped-def]
        props = cloudformation_json.get("Properties", {})
        api = _backend(account_id, region_name).get_api(props["ApiId"])
        items = getattr(api, cls.collection)
        old_id = original_resource.physical_resource_id
        item = cls.make(api, props)
        new_id = getattr(item, cls.id_attribute)
        items.pop(new_id, None)
        setattr(item, cls.id_attribute, old_id)
        items[old_id] = item
        return cls(props["ApiId"], item, account_id, region_name)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):  # type: ignore[no-untyped-def]
        pass  # moto calls delete() below, with the resolved API id

    def delete(self, account_id: str, region_name: str) -> None:
        api = _backend(account_id, region_name).apis.get(self.api_id)
        if api is not None:
            getattr(api, self.collection).pop(self.physical_resource_id, None)

    def is_created(self) -> bool:
        return True


class HttpApiStageModel(_ApiChild, CloudFormationModel):
    __module__ = MODELS_MODULE
    collection = "stages"
    id_attribute = "name"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGatewayV2::Stage"

    @classmethod
    def make(cls, api: Any, props: dict[str, Any]) -> Any:
        config = camel({key: value for key, value in props.items() if key != "ApiId"})
        api.stages.pop(config["stageName"], None)
        return api.create_stage(config)


class HttpApiIntegrationModel(_ApiChild, CloudFormationModel):
    __module__ = MODELS_MODULE
    collection = "integrations"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGatewayV2::Integration"

    @classmethod
    def make(cls, api: Any, props: dict[str, Any]) -> Any:
        return api.create_integration(
            connection_type=props.get("ConnectionType"),
            description=props.get("Description"),
            integration_method=props.get("IntegrationMethod"),
            integration_type=props.get("IntegrationType"),
            integration_uri=props.get("IntegrationUri"),
            payload_format_version=props.get("PayloadFormatVersion"),
            timeout_in_millis=props.get("TimeoutInMillis"),
        )


class HttpApiRouteModel(_ApiChild, CloudFormationModel):
    __module__ = MODELS_MODULE
    collection = "routes"
    id_attribute = "route_id"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGatewayV2::Route"

    @classmethod
    def make(cls, api: Any, props: dict[str, Any]) -> Any:
        return api.create_route(
            api_key_required=props.get("ApiKeyRequired", False),
            authorization_scopes=props.get("AuthorizationScopes"),
            route_key=props["RouteKey"],
            target=props.get("Target"),
            authorization_type=props.get("AuthorizationType"),
            authorizer_id=props.get("AuthorizerId"),
            operation_name=props.get("OperationName"),
        )


class HttpApiAuthorizerModel(_ApiChild, CloudFormationModel):
    __module__ = MODELS_MODULE
    collection = "authorizers"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGatewayV2::Authorizer"

    @classmethod
    def make(cls, api: Any, props: dict[str, Any]) -> Any:
        return api.create_authorizer(
            auth_creds_arn=props.get("AuthorizerCredentialsArn"),
            auth_payload_format_version=props.get("AuthorizerPayloadFormatVersion"),
            auth_result_ttl=props.get("AuthorizerResultTtlInSeconds"),
            authorizer_type=props.get("AuthorizerType"),
            authorizer_uri=props.get("AuthorizerUri"),
            enable_simple_response=props.get("EnableSimpleResponses"),
            identity_source=props.get("IdentitySource"),
            identity_validation_expr=props.get("IdentityValidationExpression"),
            jwt_config=camel(props.get("JwtConfiguration")),
            name=props.get("Name"),
        )


# Gap 3: ExecuteChangeSet never rebuilds a stack's Outputs or Exports (osls deploys through change
# sets only), so outputs stay empty and DeleteStack later fails with a KeyError on an export name.
_execute_change_set = cfn_models.CloudFormationBackend.execute_change_set


def execute_change_set(self: Any, change_set_name: str, stack_name: str | None = None) -> None:
    _execute_change_set(self, change_set_name, stack_name)
    for stack in self.stacks.values():
        if stack_name not in (None, stack.name, stack.stack_id) and change_set_name not in [
            cs.change_set_id for cs in self.change_sets.values() if cs.stack_id == stack.stack_id
        ]:
            continue
        for export in stack.exports:
            if self.exports.get(export.name) is export:
                self.exports.pop(export.name)
        stack._parse_template()
        stack.output_map = stack._create_output_map()
        for export in stack.exports:
            self.exports[export.name] = export


cfn_models.CloudFormationBackend.execute_change_set = execute_change_set


# Gap 4: inline role policies from a template are stored as a Python repr, so GetRolePolicy and
# moto's own IAM enforcement cannot read them; and a stack update never changes them. Store JSON,
# and apply the template's policies on update.
_put_policy = Role.put_policy


def put_policy(self: Any, policy_name: str, policy_json: Any) -> None:
    if not isinstance(policy_json, str):
        policy_json = json.dumps(policy_json)
    _put_policy(self, policy_name, policy_json)


Role.put_policy = put_policy
_update_role = Role.update_from_cloudformation_json.__func__  # type: ignore[attr-defined]


@classmethod  # type: ignore[misc]
def update_role(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):  # type: ignore[no-untyped-def]
    role = _update_role(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name)
    policies = cloudformation_json["Properties"].get("Policies", [])
    for name in list(role.policies):
        if name not in [policy["PolicyName"] for policy in policies]:
            role.delete_policy(name)
    for policy in policies:
        role.put_policy(policy["PolicyName"], policy["PolicyDocument"])
    return role


Role.update_from_cloudformation_json = update_role


# Gap 5: with IAM enforcement on, moto checks DynamoDB calls against resource "*", so every
# ARN-scoped Allow (all of Gantry's) fails; and it answers a denial in XML, which the JSON DynamoDB
# client reports as a deserialization error. Check against the table (or index) ARN of the call, and
# answer AccessDeniedException in JSON as DynamoDB does. Calls naming several tables
# (BatchGet/BatchWrite) are checked against the first one.
def dynamodb_resource(self: Any) -> str:
    body = self.body if isinstance(self.body, dict) else {}
    name = body.get("TableName") or next(iter(body.get("RequestItems") or {}), None)
    if not name:
        return "*"
    arn = f"arn:{get_partition(self.region)}:dynamodb:{self.region}:{self.current_account}:table/{name}"
    return f"{arn}/index/{body['IndexName']}" if body.get("IndexName") else arn


_authorize = DynamoHandler._authenticate_and_authorize_normal_action


def authorize_dynamodb(self: Any, resource: str = "*") -> None:
    try:
        _authorize(self, resource)
    except AccessDeniedError as denied:
        error = JsonRESTError("com.amazonaws.dynamodb.v20120810#AccessDeniedException", denied.message)
        error.code = 400
        raise error from denied


DynamoHandler._determine_resource = dynamodb_resource
DynamoHandler._authenticate_and_authorize_normal_action = authorize_dynamodb


# Gap 6: AWS::DynamoDB::Table ignores PointInTimeRecoverySpecification and TimeToLiveSpecification,
# and has no update, so after a stack update touching a table the stack no longer tracks it and
# `sls remove` leaves it behind (and a stream an update turns on, off or changes is not). Apply both
# settings, and update deletion protection, billing, the settings and the stream in place.
_create_table = Table.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]


def apply_table_settings(table: Any, props: dict[str, Any], account_id: str, region_name: str) -> None:
    backend = dynamodb_backends[account_id][region_name]
    pitr = props.get("PointInTimeRecoverySpecification") or {}
    backend.update_continuous_backups(
        table.name, {"PointInTimeRecoveryEnabled": bool(pitr.get("PointInTimeRecoveryEnabled"))}
    )
    ttl = props.get("TimeToLiveSpecification")
    if ttl:
        backend.update_time_to_live(table.name, {"Enabled": ttl.get("Enabled"), "AttributeName": ttl.get("AttributeName")})
    table.deletion_protection_enabled = bool(props.get("DeletionProtectionEnabled", False))
    table.billing_mode = "PAY_PER_REQUEST" if props.get("BillingMode") == "PAY_PER_REQUEST" else "PROVISIONED"


@classmethod  # type: ignore[misc]
def create_table(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):  # type: ignore[no-untyped-def]
    table = _create_table(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
    apply_table_settings(table, cloudformation_json["Properties"], account_id, region_name)
    return table


def apply_stream(table: Any, props: dict[str, Any]) -> None:
    """An unchanged stream is kept (its ARN too, which mappings name); a changed one is a new stream, as on AWS."""
    wanted = (props.get("StreamSpecification") or {}).get("StreamViewType")
    current = table.stream_specification or {}
    if wanted != (current.get("StreamViewType") if current.get("StreamEnabled") else None):
        table.set_stream_specification({"StreamViewType": wanted} if wanted else None)


@classmethod  # type: ignore[misc]
def update_table(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):  # type: ignore[no-untyped-def]
    apply_table_settings(original_resource, cloudformation_json["Properties"], account_id, region_name)
    apply_stream(original_resource, cloudformation_json["Properties"])
    original_resource.tags = cloudformation_json["Properties"].get("Tags") or original_resource.tags
    return original_resource


Table.create_from_cloudformation_json = create_table
Table.update_from_cloudformation_json = update_table


# Gap 7: no CloudFormation support for AWS::Cognito::UserPool/UserPoolClient/UserPoolDomain
# ("No Moto CloudFormation support"): no pool, and the authorizer's issuer and the outputs hold no
# pool id. moto's cognitoidp backend exists; these models create, update and delete through it. The
# template's property names are the API's, except UserPoolName (the API's PoolName). As on AWS, a
# pool with deletion protection refuses deletion; DeletionPolicy Retain is moto's own (never deleted).
COGNITO_MODULE = "moto.cognitoidp.models"


def _cognito(account_id: str, region_name: str) -> Any:
    return cognitoidp_backends[account_id][region_name]


def _without(props: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {key: value for key, value in props.items() if key not in keys}


class UserPoolModel(CloudFormationModel):
    __module__ = COGNITO_MODULE

    def __init__(self, pool: Any) -> None:
        self.pool = pool

    @property
    def physical_resource_id(self) -> str:
        return self.pool.id

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Cognito::UserPool"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "UserPoolName"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in ("Arn", "ProviderName", "ProviderURL", "UserPoolId")

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

        provider = f"cognito-idp.{self.pool.region}.amazonaws.com/{self.pool.id}"
        values = {"Arn": self.pool.arn, "ProviderName": provider, "ProviderURL": f"https://{provider}", "UserPoolId": self.pool.id}
        if attribute_name in values:
            return values[attribute_name]
        raise UnformattedGetAttTemplateException()

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):  # type: ignore[no-untyped-def]
        props = cloudformation_json.get("Properties", {})
        return cls(_cognito(account_id, region_name).create_user_pool(resource_name, _without(props, "UserPoolName")))

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):  # type: ignore[no-untyped-def]
        props = cloudformation_json.get("Properties", {})
        original_resource.pool.update_extended_config(_without(props, "UserPoolName"))
        original_resource.pool.name = new_resource_name
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):  # type: ignore[no-untyped-def]
        pass  # moto calls delete() below

    def delete(self, account_id: str, region_name: str) -> None:
        if self.pool.extended_config.get("DeletionProtection") == "ACTIVE":
            raise InvalidParameterException(f"The user pool {self.pool.id} cannot be deleted: deletion protection is active.")
        _cognito(account_id, region_name).user_pools.pop(self.pool.id, None)

    def is_created(self) -> bool:
        return True


class UserPoolClientModel(CloudFormationModel):
    __module__ = COGNITO_MODULE

    def __init__(self, client: Any, config: dict[str, Any]) -> None:
        self.client = client
        self.config = config  # the template's settings, so an update can drop the ones removed

    @property
    def physical_resource_id(self) -> str:
        return self.client.id

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Cognito::UserPoolClient"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in ("ClientId", "ClientSecret", "Name")

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

        if attribute_name == "ClientId":
            return self.client.id
        if attribute_name == "ClientSecret" and self.client.generate_secret:
            return self.client.secret
        if attribute_name == "Name":
            return self.client.extended_config.get("ClientName")
        raise UnformattedGetAttTemplateException()

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):  # type: ignore[no-untyped-def]
        props = cloudformation_json.get("Properties", {})
        config = _without(props, "UserPoolId", "GenerateSecret")
        client = _cognito(account_id, region_name).create_user_pool_client(
            props["UserPoolId"], bool(props.get("GenerateSecret")), config
        )
        return cls(client, config)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):  # type: ignore[no-untyped-def]
        config = _without(cloudformation_json.get("Properties", {}), "UserPoolId", "GenerateSecret")
        for key in original_resource.config:
            if key not in config:
                original_resource.client.extended_config.pop(key, None)
        original_resource.client.extended_config.update(config)
        original_resource.config = config
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):  # type: ignore[no-untyped-def]
        pass  # moto calls delete() below

    def delete(self, account_id: str, region_name: str) -> None:
        pool = _cognito(account_id, region_name).user_pools.get(self.client.user_pool_id)
        if pool is not None:
            pool.clients.pop(self.client.id, None)

    def is_created(self) -> bool:
        return True


class UserPoolDomainModel(CloudFormationModel):
    __module__ = COGNITO_MODULE

    def __init__(self, domain: Any) -> None:
        self.domain = domain

    @property
    def physical_resource_id(self) -> str:
        return self.domain.domain

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Cognito::UserPoolDomain"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == "CloudFrontDistribution"

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

        if attribute_name == "CloudFrontDistribution":
            return self.domain.to_json(extended=True)["CloudFrontDistribution"]
        raise UnformattedGetAttTemplateException()

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):  # type: ignore[no-untyped-def]
        props = cloudformation_json.get("Properties", {})
        return cls(
            _cognito(account_id, region_name).create_user_pool_domain(
                props["UserPoolId"], props["Domain"], props.get("CustomDomainConfig")
            )
        )

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):  # type: ignore[no-untyped-def]
        props = cloudformation_json.get("Properties", {})
        old = original_resource.domain
        if props["Domain"] == old.domain and props["UserPoolId"] == old.user_pool_id:
            old.custom_domain_config = props.get("CustomDomainConfig") or {}
            return original_resource
        # Another prefix or pool: CloudFormation replaces the domain.
        original_resource.delete(account_id, region_name)
        return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):  # type: ignore[no-untyped-def]
        pass  # moto calls delete() below

    def delete(self, account_id: str, region_name: str) -> None:
        _cognito(account_id, region_name).user_pool_domains.pop(self.domain.domain, None)

    def is_created(self) -> bool:
        return True


# Gap 8: no CloudFormation support for AWS::Scheduler::Schedule ("No Moto CloudFormation
# support"): the stack deploys without its schedules, and anything naming one fails. moto's
# scheduler backend exists; this model creates, updates and deletes through it. As on AWS, `Ref`
# is the schedule's name and `GetAtt Arn` its ARN; a schedule without GroupName is in `default`.
SCHEDULER_MODULE = "moto.scheduler.models"


def _scheduler(account_id: str, region_name: str) -> Any:
    return scheduler_backends[account_id][region_name]


def _schedule_args(props: dict[str, Any]) -> dict[str, Any]:
    return {
        "description": props.get("Description"),
        "end_date": props.get("EndDate"),
        "flexible_time_window": props.get("FlexibleTimeWindow"),
        "kms_key_arn": props.get("KmsKeyArn"),
        "schedule_expression": props.get("ScheduleExpression"),
        "schedule_expression_timezone": props.get("ScheduleExpressionTimezone"),
        "start_date": props.get("StartDate"),
        "state": props.get("State"),
        "target": dict(props.get("Target") or {}),
    }


class ScheduleModel(CloudFormationModel):
    __module__ = SCHEDULER_MODULE

    def __init__(self, schedule: Any) -> None:
        self.schedule = schedule

    @property
    def physical_resource_id(self) -> str:
        return self.schedule.name

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Scheduler::Schedule"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == "Arn"

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

        if attribute_name == "Arn":
            return self.schedule.arn
        raise UnformattedGetAttTemplateException()

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):  # type: ignore[no-untyped-def]
        props = cloudformation_json.get("Properties", {})
        schedule = _scheduler(account_id, region_name).create_schedule(
            name=resource_name,
            group_name=props.get("GroupName"),
            action_after_completion=props.get("ActionAfterCompletion"),
            **_schedule_args(props),
        )
        return cls(schedule)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):  # type: ignore[no-untyped-def]
        props = cloudformation_json.get("Properties", {})
        old = original_resource.schedule
        if new_resource_name != old.name or (props.get("GroupName") or "default") != old.group_name:
            # Another name or group: CloudFormation replaces the schedule.
            original_resource.delete(account_id, region_name)
            return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)
        _scheduler(account_id, region_name).update_schedule(group_name=old.group_name, name=old.name, **_schedule_args(props))
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):  # type: ignore[no-untyped-def]
        pass  # moto calls delete() below

    def delete(self, account_id: str, region_name: str) -> None:
        group = _scheduler(account_id, region_name).schedule_groups.get(self.schedule.group_name)
        if group is not None:
            group.schedules.pop(self.schedule.name, None)

    def is_created(self) -> bool:
        return True


# Gap 9: moto delivers to event source mappings itself, by running the function in Docker. There is
# no Docker here, so every delivery fails: a message sent to a consumed queue is received and put
# back (its ApproximateReceiveCount grows towards the dead-letter queue), and every write to a
# consumed table empties the table's stream (the error text counts as delivered), so no stream
# record can be read. Mappings are kept (created, updated, listed and deleted as on AWS) but moto's
# own delivery is off: messages stay in the queue and records in the stream, where Lambda's poller
# would find them; the rehearsal reads them as the consumer's role and runs its bundle itself.
_create_event_source_mapping = LambdaBackend.create_event_source_mapping


def create_event_source_mapping(self: Any, spec: dict[str, Any]) -> Any:
    esm = _create_event_source_mapping(self, spec)
    for queue in sqs_backends[self.account_id][self.region_name].queues.values():
        if queue.lambda_event_source_mappings.get(esm.function_arn) is esm:
            queue.lambda_event_source_mappings.pop(esm.function_arn)
    for table in dynamodb_backends[self.account_id][self.region_name].tables.values():
        if table.lambda_event_source_mappings.get(esm.function_arn) is esm:
            table.lambda_event_source_mappings.pop(esm.function_arn)
    return esm


LambdaBackend.create_event_source_mapping = create_event_source_mapping


# Gap 10: with IAM enforcement on, SQS denies in XML, which the SDK's JSON protocol client (every
# current SDK) cannot read ("Unexpected token '<'"). Answer as SQS does on its JSON protocol: 403,
# `x-amzn-query-error: AccessDenied;Sender` (the SDK names the error from it) and a JSON body.
# (moto checks SQS calls against the queue's ARN already.)
_authorize_sqs = SQSResponse._authenticate_and_authorize_normal_action


def authorize_sqs(self: Any, resource: str = "*") -> None:
    try:
        _authorize_sqs(self, resource)
    except AccessDeniedError as denied:
        error = JsonRESTError("com.amazon.coral.service#AccessDeniedException", denied.message)
        error.code = 403
        self.response_headers["x-amzn-query-error"] = "AccessDenied;Sender"
        self.response_headers["content-type"] = "application/x-amz-json-1.0"
        raise error from denied


SQSResponse._authenticate_and_authorize_normal_action = authorize_sqs


# Gap 11: with IAM enforcement on, moto checks DynamoDB Streams calls against resource "*", so a
# statement scoped to a table's StreamArn (Gantry's change consumers) never allows them; denials are
# XML. Check against the stream's ARN (the StreamArn of DescribeStream and GetShardIterator; for
# GetRecords, the one moto's shard iterator starts with) and deny in JSON as DynamoDB does.
def stream_resource(self: Any) -> str:
    body = self.body.decode("utf-8") if isinstance(self.body, bytes) else self.body
    try:
        params = body if isinstance(body, dict) else json.loads(body or "{}")
    except ValueError:
        params = {}
    arn = params.get("StreamArn") or str(params.get("ShardIterator") or "").split("|")[0]
    return arn or "*"


DynamoDBStreamsHandler._determine_resource = stream_resource
DynamoDBStreamsHandler._authenticate_and_authorize_normal_action = authorize_dynamodb


# Gap 12: with IAM enforcement on, moto names a Lambda call's action after the API operation
# (`lambda:Invoke`, where IAM's is `lambda:InvokeFunction`) and checks it against "*", so no
# statement scoped to a function (a schedule's role) allows it; denials are XML. Use IAM's action
# name and the function's ARN, and deny as Lambda does (403 AccessDeniedException, JSON). And as on
# AWS, an Invoke with InvocationType DryRun only checks permissions: moto would try to run the
# function in Docker.
LAMBDA_IAM_ACTIONS = {"Invoke": "InvokeFunction"}


class LambdaIAMRequest(IAMRequest):
    def __init__(self, action: str, **kwargs: Any) -> None:
        super().__init__(action=LAMBDA_IAM_ACTIONS.get(action, action), **kwargs)


def lambda_resource(self: Any) -> str:
    parts = unquote(self.path.split("?")[0]).split("/")
    if len(parts) < 4 or parts[2] != "functions" or not parts[3]:
        return "*"
    name = parts[3]
    if name.startswith("arn:"):
        return name
    return f"arn:{get_partition(self.region)}:lambda:{self.region}:{self.current_account}:function:{name}"


def authorize_lambda(self: Any, resource: str = "*") -> None:
    try:
        self._authenticate_and_authorize_action(LambdaIAMRequest, resource)
    except AccessDeniedError as denied:
        message = f"{denied.message} on resource: {resource}"
        error = JsonRESTError("AccessDeniedException", message)
        error.code = 403
        self.response_headers["x-amzn-errortype"] = "AccessDeniedException"
        raise error from denied


_invoke = LambdaBackend.invoke


def invoke(self: Any, function_name: str, qualifier: Any, body: Any, headers: Any, response_headers: Any) -> Any:
    if headers.get("X-Amz-Invocation-Type") == "DryRun":
        self.get_function(function_name, qualifier)  # an unknown function is still ResourceNotFound
        return ""
    return _invoke(self, function_name, qualifier, body, headers, response_headers)


LambdaResponse._determine_resource = lambda_resource
LambdaResponse._authenticate_and_authorize_normal_action = authorize_lambda
LambdaBackend.invoke = invoke


# Gap 13: a queue's Ref (its URL: Gantry puts it in each sender's environment and in an output)
# names https://sqs.<region>.amazonaws.com whatever moto's address. Current SDKs send SQS calls to
# the host of the QueueUrl they are given (useQueueUrlAsEndpoint) even when AWS_ENDPOINT_URL names
# another endpoint, so a deployed bundle run against the emulator would call AWS. Give the queue's
# URL at the emulator's address, as AWS gives it at AWS's (the main block below sets the address).
EMULATOR = {"url": ""}


def queue_url(self: Any) -> str:
    base = EMULATOR["url"] or f"https://sqs.{self.region}.amazonaws.com"
    return f"{base}/{self.account_id}/{self.name}"


Queue.physical_resource_id = property(queue_url)


def emulator_url(argv: list[str]) -> str:
    """The address moto_server listens on, from its -H/--host and -p/--port (its defaults otherwise)."""

    def option(short: str, long: str, default: str) -> str:
        for index, arg in enumerate(argv):
            if arg in (short, long) and index + 1 < len(argv):
                return argv[index + 1]
            if arg.startswith(f"{long}="):
                return arg.split("=", 1)[1]
        return default

    return f"http://{option('-H', '--host', '127.0.0.1')}:{option('-p', '--port', '5000')}"


# Gap: no CloudFormation support for AWS::CloudWatch::Alarm, AWS::CloudWatch::CompositeAlarm and
# AWS::SNS::Subscription ("No Moto CloudFormation support"; checked in moto 5.2.1's source), though
# its cloudwatch backend stores metric and composite alarms (PutMetricAlarm with AlarmRule) and its
# sns backend subscriptions. These models create, update and delete through those backends.
from moto.cloudwatch.models import Dimension, Metric, MetricDataQuery, MetricStat, cloudwatch_backends  # noqa: E402
from moto.sns.models import sns_backends  # noqa: E402

CLOUDWATCH_MODULE = "moto.cloudwatch.models"
SNS_MODULE = "moto.sns.models"


def _alarm_queries(metrics: list[dict[str, Any]] | None) -> list[Any] | None:
    if not metrics:
        return None
    queries = []
    for query in metrics:
        stat = query.get("MetricStat")
        metric_stat = None
        if stat:
            metric = stat["Metric"]
            metric_stat = MetricStat(
                metric=Metric(
                    metric_name=metric["MetricName"],
                    namespace=metric["Namespace"],
                    dimensions=[Dimension(name=d["Name"], value=d["Value"]) for d in metric.get("Dimensions", [])],
                ),
                period=stat.get("Period"),
                stat=stat.get("Stat"),
                unit=stat.get("Unit"),
            )
        queries.append(
            MetricDataQuery(
                query_id=query.get("Id"),
                label=query.get("Label"),
                period=query.get("Period"),
                return_data=query.get("ReturnData"),
                expression=query.get("Expression"),
                metric_stat=metric_stat,
            )
        )
    return queries


def _put_alarm(props: dict[str, Any], account_id: str, region_name: str) -> Any:
    return cloudwatch_backends[account_id][region_name].put_metric_alarm(
        name=props["AlarmName"],
        namespace=props.get("Namespace"),
        metric_name=props.get("MetricName"),
        metric_data_queries=_alarm_queries(props.get("Metrics")),
        comparison_operator=props.get("ComparisonOperator"),
        evaluation_periods=props.get("EvaluationPeriods"),
        datapoints_to_alarm=props.get("DatapointsToAlarm"),
        period=props.get("Period"),
        threshold=props.get("Threshold"),
        statistic=props.get("Statistic"),
        extended_statistic=props.get("ExtendedStatistic"),
        description=props.get("AlarmDescription"),
        dimensions=props.get("Dimensions", []),
        alarm_actions=props.get("AlarmActions", []),
        ok_actions=props.get("OKActions", []),
        insufficient_data_actions=props.get("InsufficientDataActions", []),
        actions_enabled=props.get("ActionsEnabled", True) not in (False, "false"),
        treat_missing_data=props.get("TreatMissingData"),
        rule=props.get("AlarmRule"),
    )


class MetricAlarmModel(CloudFormationModel):
    __module__ = CLOUDWATCH_MODULE

    def __init__(self, alarm: Any) -> None:
        self.alarm = alarm

    @property
    def physical_resource_id(self) -> str:
        return self.alarm.name

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CloudWatch::Alarm"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == "Arn"

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

        if attribute_name == "Arn":
            return self.alarm.alarm_arn
        raise UnformattedGetAttTemplateException()

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):  # type: ignore[no-untyped-def]
        return cls(_put_alarm(cloudformation_json.get("Properties", {}), account_id, region_name))

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):  # type: ignore[no-untyped-def]
        props = cloudformation_json.get("Properties", {})
        if props.get("AlarmName") != original_resource.alarm.name:
            cloudwatch_backends[account_id][region_name].delete_alarms([original_resource.alarm.name])
        return cls(_put_alarm(props, account_id, region_name))

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):  # type: ignore[no-untyped-def]
        pass  # moto calls delete() below

    def delete(self, account_id: str, region_name: str) -> None:
        cloudwatch_backends[account_id][region_name].delete_alarms([self.alarm.name])

    def is_created(self) -> bool:
        return True


class CompositeAlarmModel(MetricAlarmModel, CloudFormationModel):
    __module__ = CLOUDWATCH_MODULE

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CloudWatch::CompositeAlarm"


class SubscriptionModel(CloudFormationModel):
    __module__ = SNS_MODULE

    def __init__(self, subscription: Any) -> None:
        self.subscription = subscription

    @property
    def physical_resource_id(self) -> str:
        return self.subscription.arn

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SNS::Subscription"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return False

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):  # type: ignore[no-untyped-def]
        props = cloudformation_json.get("Properties", {})
        backend = sns_backends[account_id][region_name]
        return cls(backend.subscribe(props["TopicArn"], props["Endpoint"], props["Protocol"]))

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):  # type: ignore[no-untyped-def]
        original_resource.delete(account_id, region_name)
        return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):  # type: ignore[no-untyped-def]
        pass  # moto calls delete() below

    def delete(self, account_id: str, region_name: str) -> None:
        sns_backends[account_id][region_name].unsubscribe(self.subscription.arn)

    def is_created(self) -> bool:
        return True


# Gap 15: AWS::S3::Bucket applies only BucketEncryption and Tags (versioning, the public access
# block, lifecycle rules, CORS and notifications of a template are ignored, with no error), and there
# is no CloudFormation support for AWS::S3::BucketPolicy. The bucket's settings are applied through
# moto's s3 backend, in the shapes its XML parser produces, on create and on update; the policy
# resource puts and deletes the bucket policy. moto does not deliver notifications to Lambda (no
# Docker), which Gantry's rehearsal does not need: it checks the configuration.
S3_MODULE = "moto.s3.models"
_create_bucket = FakeBucket.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]
_update_bucket = FakeBucket.update_from_cloudformation_json.__func__  # type: ignore[attr-defined]


def _lifecycle_rules(config: dict[str, Any] | None) -> list[dict[str, Any]]:
    rules = []
    for rule in (config or {}).get("Rules", []):
        api: dict[str, Any] = {"ID": rule.get("Id"), "Status": rule["Status"], "Filter": {"Prefix": rule.get("Prefix", "")}}
        expiration: dict[str, Any] = {}
        if "ExpirationInDays" in rule:
            expiration["Days"] = rule["ExpirationInDays"]
        elif rule.get("ExpiredObjectDeleteMarker") is not None:
            expiration["ExpiredObjectDeleteMarker"] = str(rule["ExpiredObjectDeleteMarker"]).lower()
        if expiration:
            api["Expiration"] = expiration
        if "NoncurrentVersionExpiration" in rule:
            api["NoncurrentVersionExpiration"] = rule["NoncurrentVersionExpiration"]
        if "AbortIncompleteMultipartUpload" in rule:
            api["AbortIncompleteMultipartUpload"] = rule["AbortIncompleteMultipartUpload"]
        rules.append(api)
    return rules


def _cors_rules(config: dict[str, Any] | None) -> list[dict[str, Any]]:
    return [
        {
            "ID": rule.get("Id", ""),
            "AllowedOrigin": rule["AllowedOrigins"],
            "AllowedMethod": rule["AllowedMethods"],
            "AllowedHeader": rule.get("AllowedHeaders", []),
            "ExposeHeader": rule.get("ExposedHeaders", []),
            "MaxAgeSeconds": str(rule.get("MaxAge", 0)),
        }
        for rule in (config or {}).get("CorsRules", [])
    ]


def _notifications(config: dict[str, Any] | None) -> dict[str, Any] | None:
    functions = [
        {
            "CloudFunction": entry["Function"],
            "Event": [entry["Event"]],
            **({"Filter": {"S3Key": {"FilterRule": entry["Filter"]["S3Key"]["Rules"]}}} if entry.get("Filter") else {}),
        }
        for entry in (config or {}).get("LambdaConfigurations", [])
    ]
    bridge = (config or {}).get("EventBridgeConfiguration")
    if not functions and not bridge:
        return None
    return {"CloudFunctionConfiguration": functions, **({"EventBridgeConfiguration": {}} if bridge else {})}


def apply_bucket_settings(bucket: Any, props: dict[str, Any], account_id: str, region_name: str) -> None:
    backend = s3_backends[account_id][get_partition(region_name)]
    name = bucket.name
    block = props.get("PublicAccessBlockConfiguration")
    if block:
        backend.put_public_access_block(name, {key: str(value).lower() for key, value in block.items()})
    versioning = (props.get("VersioningConfiguration") or {}).get("Status")
    if versioning:
        backend.put_bucket_versioning(name, versioning)
    rules = _lifecycle_rules(props.get("LifecycleConfiguration"))
    if rules:
        backend.put_bucket_lifecycle_configuration(name, rules)
    else:
        backend.delete_bucket_lifecycle(name)
    cors = _cors_rules(props.get("CorsConfiguration"))
    if cors:
        backend.put_bucket_cors(name, cors)
    else:
        backend.delete_bucket_cors(name)
    # Set on the bucket itself: the backend's call would send moto's test event to each function.
    bucket.notification_configuration = None
    notifications = _notifications(props.get("NotificationConfiguration"))
    if notifications:
        from moto.s3.models import NotificationConfiguration

        bucket.notification_configuration = NotificationConfiguration(
            cloud_function=notifications["CloudFunctionConfiguration"],
            event_bridge=notifications.get("EventBridgeConfiguration"),
        )


@classmethod  # type: ignore[misc]
def create_bucket(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):  # type: ignore[no-untyped-def]
    bucket = _create_bucket(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
    apply_bucket_settings(bucket, cloudformation_json.get("Properties", {}), account_id, region_name)
    return bucket


@classmethod  # type: ignore[misc]
def update_bucket(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):  # type: ignore[no-untyped-def]
    bucket = _update_bucket(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name)
    apply_bucket_settings(bucket, cloudformation_json.get("Properties", {}), account_id, region_name)
    return bucket


FakeBucket.create_from_cloudformation_json = create_bucket
FakeBucket.update_from_cloudformation_json = update_bucket

# moto evaluates a bucket policy without its conditions, so the TLS-only statement every Gantry
# bucket has (Deny when aws:SecureTransport is false) would deny every call: the rehearsal's clients
# speak HTTP to the emulator on loopback, standing for the HTTPS calls the SDK makes to AWS. That
# statement is left out of the evaluation; the policy as stored (GetBucketPolicy) is unchanged.
def _tls_only(statement: dict[str, Any]) -> bool:
    condition = statement.get("Condition") or {}
    return statement.get("Effect") == "Deny" and list(condition) == ["Bool"] and condition["Bool"] == {
        "aws:SecureTransport": condition["Bool"].get("aws:SecureTransport")
    } and str(condition["Bool"]["aws:SecureTransport"]).lower() == "false"


def get_permission(self: Any, action: str, resource: str) -> Any:
    from moto.iam.access_control import IAMPolicy, PermissionResult

    if self.policy is None:
        return PermissionResult.NEUTRAL
    document = json.loads(self.policy.decode())
    statements = [s for s in document.get("Statement", []) if not _tls_only(s)]
    if not statements:
        return PermissionResult.NEUTRAL
    return IAMPolicy(json.dumps({**document, "Statement": statements})).is_action_permitted(action, resource)


FakeBucket.get_permission = get_permission


class BucketPolicyModel(CloudFormationModel):
    __module__ = S3_MODULE

    def __init__(self, bucket_name: str, account_id: str, region_name: str) -> None:
        self.bucket_name = bucket_name
        self.account_id = account_id
        self.region_name = region_name

    @property
    def physical_resource_id(self) -> str:
        return self.bucket_name

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::S3::BucketPolicy"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return False

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):  # type: ignore[no-untyped-def]
        props = cloudformation_json.get("Properties", {})
        backend = s3_backends[account_id][get_partition(region_name)]
        backend.put_bucket_policy(props["Bucket"], json.dumps(props["PolicyDocument"]).encode())
        return cls(props["Bucket"], account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):  # type: ignore[no-untyped-def]
        return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):  # type: ignore[no-untyped-def]
        pass  # moto calls delete() below

    def delete(self, account_id: str, region_name: str) -> None:
        backend = s3_backends[account_id][get_partition(region_name)]
        try:
            backend.delete_bucket_policy(self.bucket_name)
        except Exception:  # noqa: BLE001 - the bucket went first: nothing left to delete
            pass

    def is_created(self) -> bool:
        return True


# Keep a reference so linters see the registered models used.
BRIDGED_MODELS = (
    HttpApiModel,
    HttpApiStageModel,
    HttpApiIntegrationModel,
    HttpApiRouteModel,
    HttpApiAuthorizerModel,
    UserPoolModel,
    UserPoolClientModel,
    UserPoolDomainModel,
    ScheduleModel,
    MetricAlarmModel,
    CompositeAlarmModel,
    SubscriptionModel,
    BucketPolicyModel,
)
_ = iam_backends

if __name__ == "__main__":
    from moto.server import main

    EMULATOR["url"] = emulator_url(sys.argv[1:])
    main(sys.argv[1:])
