"""Holds raw AWS JSON responses against botocore's service models (botocore's own parser drops what it does not know,
so the raw body is captured before parsing and walked here)."""
import base64
import json

import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError

# The errors every AWS JSON service's API reference lists under "Common Errors" (besides each operation's own).
COMMON_ERRORS = {
    'AccessDeniedException', 'IncompleteSignature', 'InternalFailure', 'InvalidAction', 'InvalidClientTokenId',
    'NotAuthorized', 'OptInRequired', 'RequestExpired', 'ServiceUnavailable', 'ThrottlingException',
    'ValidationError', 'ValidationException', 'MissingParameter', 'InvalidParameterValue', 'InvalidParameterCombination',
}

# SQS query-protocol codes that are not "AWS.SimpleQueueService.<shape name>" (SQS API reference, each error's code).
SQS_QUERY_CODES = {'QueueDoesNotExist': 'AWS.SimpleQueueService.NonExistentQueue', 'QueueNameExists': 'QueueAlreadyExists'}


def shape_violations(shape, value, path, out):
    """Appends to out every way value breaks shape: unknown or null members, wrong types, enums, ranges, required."""
    kind = shape.type_name
    if value is None:
        out.append(f'{path}: null (AWS omits members without a value)')
        return
    if kind == 'structure':
        if not isinstance(value, dict):
            out.append(f'{path}: {type(value).__name__} where the model has structure {shape.name}')
            return
        by_wire = {m.serialization.get('name', name): m for name, m in shape.members.items()}
        for key, member_value in value.items():
            if key not in by_wire:
                out.append(f'{path}.{key}: member not in the model ({shape.name})')
                continue
            shape_violations(by_wire[key], member_value, f'{path}.{key}', out)
        for name in shape.required_members:
            wire = shape.members[name].serialization.get('name', name)
            if wire not in value:
                out.append(f'{path}.{wire}: required member missing ({shape.name})')
        if shape.metadata.get('union') and len(value) != 1:
            out.append(f'{path}: union {shape.name} has {len(value)} members set')
    elif kind == 'list':
        if not isinstance(value, list):
            out.append(f'{path}: {type(value).__name__} where the model has a list')
            return
        length_violations(shape, len(value), path, out)
        for i, item in enumerate(value):
            shape_violations(shape.member, item, f'{path}[{i}]', out)
    elif kind == 'map':
        if not isinstance(value, dict):
            out.append(f'{path}: {type(value).__name__} where the model has a map')
            return
        for key, item in value.items():
            shape_violations(shape.key, key, f'{path}<key {key}>', out)
            shape_violations(shape.value, item, f'{path}[{key}]', out)
    elif kind == 'string':
        if not isinstance(value, str):
            out.append(f'{path}: {type(value).__name__} where the model has a string')
            return
        if shape.enum and value not in shape.enum:
            out.append(f'{path}: {value!r} is not one of {shape.name}\'s values {shape.enum}')
        length_violations(shape, len(value), path, out)
    elif kind in ('integer', 'long'):
        if isinstance(value, bool) or not isinstance(value, int):
            out.append(f'{path}: {value!r} where the model has an {kind}')
            return
        range_violations(shape, value, path, out)
    elif kind in ('double', 'float'):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            out.append(f'{path}: {value!r} where the model has a {kind}')
            return
        range_violations(shape, value, path, out)
    elif kind == 'boolean':
        if not isinstance(value, bool):
            out.append(f'{path}: {value!r} where the model has a boolean')
    elif kind == 'timestamp':
        fmt = shape.serialization.get('timestampFormat', 'unixTimestamp')
        ok = isinstance(value, str) if fmt != 'unixTimestamp' else (isinstance(value, (int, float)) and not isinstance(value, bool))
        if not ok:
            out.append(f'{path}: {value!r} is not a {fmt} timestamp')
    elif kind == 'blob':
        try:
            base64.b64decode(value, validate=True)
        except Exception:  # noqa: BLE001 - any decoding failure is the finding
            out.append(f'{path}: blob is not base64')


def length_violations(shape, length, path, out):
    low, high = shape.metadata.get('min'), shape.metadata.get('max')
    if low is not None and length < low:
        out.append(f'{path}: length {length} under the model\'s min {low} ({shape.name})')
    if high is not None and length > high:
        out.append(f'{path}: length {length} over the model\'s max {high} ({shape.name})')


def range_violations(shape, value, path, out):
    low, high = shape.metadata.get('min'), shape.metadata.get('max')
    if low is not None and value < low:
        out.append(f'{path}: {value} under the model\'s min {low} ({shape.name})')
    if high is not None and value > high:
        out.append(f'{path}: {value} over the model\'s max {high} ({shape.name})')


class Judge:
    """A botocore client per service with parameter validation off (so forbidden requests reach the sandbox) that
    checks every raw response against the operation's output shape."""

    def __init__(self, endpoint, region):
        self.session = botocore.session.get_session()
        self.endpoint = endpoint
        self.region = region
        self.violations = []
        self.calls = {}
        self.errors = []
        self._raw = {}
        self.clients = {}

    def client(self, service):
        if service not in self.clients:
            c = self.session.create_client(
                service, region_name=self.region, endpoint_url=self.endpoint,
                aws_access_key_id='judge', aws_secret_access_key='judge',
                config=Config(parameter_validation=False, retries={'max_attempts': 1}, inject_host_prefix=False))
            c.meta.events.register('before-parse', self._capture)
            self.clients[service] = c
        return self.clients[service]

    def _capture(self, operation_model, response_dict, **_):
        self._raw['op'] = operation_model
        self._raw['status'] = response_dict['status_code']
        self._raw['body'] = response_dict['body']

    def call(self, svc_name, operation, **params):
        service = svc_name
        """Calls operation (PascalCase) and checks its raw response; returns botocore's parsed output."""
        client = self.client(service)
        op = client.meta.service_model.operation_model(operation)
        result = getattr(client, botocore_name(client, operation))(**params)
        self.calls.setdefault(f'{service}:{operation}', 0)
        self.calls[f'{service}:{operation}'] += 1
        body = self._raw.get('body') or b'{}'
        try:
            raw = json.loads(body)
        except ValueError:
            self.violations.append(f'{service}:{operation}: response body is not JSON: {body[:200]!r}')
            return result
        if op.output_shape is None:
            if raw not in ({}, None):
                self.violations.append(f'{service}:{operation}: the model has no output, the sandbox sent {str(raw)[:200]}')
        else:
            found = []
            shape_violations(op.output_shape, raw, operation, found)
            self.violations.extend(f'{service}:{v}' for v in found)
        return result

    def forbidden(self, svc_name, operation, expected, why, **params):
        service = svc_name
        """Sends a request the model forbids (or naming what does not exist); the answer must be HTTP 400 with the documented error name."""
        client = self.client(service)
        op = client.meta.service_model.operation_model(operation)
        documented = {e.name for e in op.error_shapes} | COMMON_ERRORS
        # awsQueryCompatible services (SQS) send the query-protocol code too, and botocore reports that one.
        aliases = {e.name: e.metadata.get('error', {}).get('code', e.name) for e in op.error_shapes}
        self.calls.setdefault(f'{service}:{operation}', 0)
        try:
            getattr(client, botocore_name(client, operation))(**params)
            self.errors.append(f'{service}:{operation} ({why}): accepted, expected {expected}')
            return
        except ClientError as error:
            code = error.response['Error']['Code']
            status = error.response['ResponseMetadata']['HTTPStatusCode']
        # (this botocore model lacks those aliases; SQS's are "AWS.SimpleQueueService.<shape name>", its API reference says)
        if code not in (expected, aliases.get(expected), SQS_QUERY_CODES.get(expected), f'AWS.SimpleQueueService.{expected}') or status != 400:
            self.errors.append(f'{service}:{operation} ({why}): got {code} HTTP {status}, expected {expected} HTTP 400')
        elif expected not in documented:
            self.errors.append(f'{service}:{operation} ({why}): {expected} is not documented for the operation')

    def paginate(self, svc_name, operation, page_size=None, **params):
        service = svc_name
        """Follows the model's paginator for operation, checking every page; returns the result key's items."""
        model = self.session.get_paginator_model(service).get_paginator(operation)
        in_token, out_token, result_key = model['input_token'], model['output_token'], model['result_key']
        limit_key = model.get('limit_key')
        items, token, seen_tokens = [], None, set()
        while True:
            args = dict(params)
            if page_size is not None and limit_key:
                args[limit_key] = page_size
            if token is not None:
                args[in_token] = token
            page = self.call(service, operation, **args)
            raw = json.loads(self._raw.get('body') or b'{}')
            chunk = raw.get(result_key)
            if chunk is None and raw.get(out_token):
                self.violations.append(f'{service}:{operation}: page with {out_token} but no {result_key}')
            chunk = chunk or []
            if page_size is not None and limit_key and len(chunk) > page_size:
                self.violations.append(f'{service}:{operation}: {len(chunk)} items on a page with {limit_key}={page_size}')
            items.extend(chunk)
            token = page.get(out_token)
            if not token:
                return items
            if token in seen_tokens:
                self.violations.append(f'{service}:{operation}: {out_token} repeats, pagination would loop')
                return items
            seen_tokens.add(token)


def botocore_name(client, operation):
    """botocore's snake_case method name for an operation."""
    return client.meta.method_to_api_mapping and {v: k for k, v in client.meta.method_to_api_mapping.items()}[operation]


def self_test():
    """The checks on crafted responses, so a judge that finds nothing is known to be able to find something."""
    model = botocore.session.get_session().get_service_model('servicediscovery')
    bad = {
        'Instance': {'Id': 'i-1', 'Bogus': 1, 'Attributes': {'AWS_INSTANCE_IPV4': None}, 'CreatedByAccount': 5},
        'ResourceOwner': ['x'],
    }
    found = []
    shape_violations(model.operation_model('GetInstance').output_shape, bad, 'GetInstance', found)
    services = {'Services': [{'Id': 'srv-1', 'Type': 'BOGUS', 'DnsConfig': {'DnsRecords': [{'Type': 'A'}]}, 'InstanceCount': '3', 'CreateDate': '2024-01-01'}]}
    shape_violations(model.operation_model('ListServices').output_shape, services, 'ListServices', found)
    return found


if __name__ == '__main__':
    json.dump(self_test(), __import__('sys').stdout, indent=1)
