import { REDACTED, Redactor } from '../../src/audit/redact';
import { withoutVariableValue } from '../../src/common/graphql/format-error';

describe('audit redaction', () => {
  const redactor = new Redactor();

  it('replaces environment values and secret-named fields', () => {
    expect(redactor.value({ input: { env: { A: '1', PLAIN: 'x' }, password: 'p', name: 'n' } })).toEqual({
      input: { env: { A: REDACTED, PLAIN: REDACTED }, password: REDACTED, name: 'n' },
    });
  });

  it('replaces the values of secret-looking NAME=value pairs in commands, and nothing else', () => {
    const out = redactor.value({
      command: [
        'sh',
        '-c',
        'PGPASSWORD=p1 psql; export GITHUB_TOKEN="two words" X=keep; curl --api-key=k3 -d a=b',
      ],
      name: 'TOKEN=not-a-command',
    });
    expect(out).toEqual({
      command: [
        'sh',
        '-c',
        `PGPASSWORD=${REDACTED} psql; export GITHUB_TOKEN=${REDACTED} X=keep; curl --api-key=${REDACTED} -d a=b`,
      ],
      name: 'TOKEN=not-a-command',
    });
    expect(redactor.value({ command: ['DB_SECRET=s', 'ssh_key=k', 'Auth_Token=t'] })).toEqual({
      command: [`DB_SECRET=${REDACTED}`, `ssh_key=${REDACTED}`, `Auth_Token=${REDACTED}`],
    });
  });

  it('takes its pattern from AUDIT_REDACT_PATTERN', () => {
    const pin = new Redactor('pin|otp');
    expect(pin.command('PIN=1234 OTP=9 TOKEN=t')).toBe(`PIN=${REDACTED} OTP=${REDACTED} TOKEN=t`);
  });
});

describe('GraphQL variable errors', () => {
  it('never repeat the value of a bad variable', () => {
    const cases = [
      'Variable "$input" got invalid value "s3cret" at "input.start"; Boolean cannot represent a non boolean value: "s3cret"',
      'Variable "$input" got invalid value { image: "x", privileged: "s3cret" }; Field "privileged" is not defined by type "RunContainerInput".',
      'Variable "$input" got invalid value "s3cret" at "input.restartPolicy.name"; Value "s3cret" does not exist in "RestartPolicyName" enum.',
      'Variable "$n" got invalid value "s3cret; at \\"x\\""; Int cannot represent non-integer value: "s3cret"',
    ];
    const messages = cases.map(withoutVariableValue);
    for (const message of messages) expect(message).not.toContain('s3cret');
    expect(messages[0]).toBe(
      'Variable "$input" got an invalid value at "input.start": Boolean cannot represent a non boolean value (the value is not repeated here).',
    );
    expect(messages[1]).toContain('Field "privileged" is not defined by type "RunContainerInput"');
    expect(messages[2]).toContain('at "input.restartPolicy.name"');
    expect(withoutVariableValue('Cannot query field "x" on type "Query".')).toBe(
      'Cannot query field "x" on type "Query".',
    );
  });
});
