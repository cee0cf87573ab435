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

describe('audit redaction of NAME=value pairs inside shell strings', () => {
  const redactor = new Redactor();
  const r = (text: string) => redactor.command(text);

  it('finds a pair after a quote, and redacts up to the closing quote', () => {
    expect(r('export "DB_PASSWORD=hunterQ1"; env "API_TOKEN=hunterQ2" true')).toBe(
      `export "DB_PASSWORD=${REDACTED}"; env "API_TOKEN=${REDACTED}" true`,
    );
    expect(r("export 'GH_TOKEN=a b c' X=1")).toBe(`export 'GH_TOKEN=${REDACTED}' X=1`);
    expect(r('echo "x TOKEN=in side \\" quote" after')).toBe(`echo "x TOKEN=${REDACTED}" after`);
  });

  it('runs a value to the end of its shell word, across quotes and backslash escapes', () => {
    expect(r('Y_SECRET=hun\\ terQ4')).toBe(`Y_SECRET=${REDACTED}`);
    expect(r('A_KEY=ab"c d"e\'f g\'h next')).toBe(`A_KEY=${REDACTED} next`);
    expect(r('MY_PASS=p1;echo ok')).toBe(`MY_PASS=${REDACTED};echo ok`);
    expect(r('MY_PASS=p1&&echo ok|cat')).toBe(`MY_PASS=${REDACTED}&&echo ok|cat`);
    expect(r('(SECRET=s1)')).toBe(`(SECRET=${REDACTED})`);
    expect(r('X=1 TOKEN=t\\')).toBe(`X=1 TOKEN=${REDACTED}`);
  });

  it('finds a pair after any character that cannot be part of a name', () => {
    expect(r('a=TOKEN=t1')).toBe(`a=TOKEN=${REDACTED}`);
    expect(r('$(API_KEY=k1 run)')).toBe(`$(API_KEY=${REDACTED} run)`);
    expect(r('--db-password=p2 --user=me')).toBe(`--db-password=${REDACTED} --user=me`);
    // Inside a name is not the start of one.
    expect(r('notTOKEN=x')).toBe(`notTOKEN=${REDACTED}`);
    expect(r('USER=me HOME=/root')).toBe('USER=me HOME=/root');
  });

  it("leaves no secret of the red team's command in an exec input", () => {
    const command = [
      'sh',
      '-c',
      'export "DB_PASSWORD=hunterQ1"; env "API_TOKEN=hunterQ2" true; Y_SECRET=hun\\ terQ4',
    ];
    const text = JSON.stringify(redactor.value({ input: { command } }));
    for (const secret of ['hunterQ1', 'hunterQ2', 'terQ4']) expect(text).not.toContain(secret);
  });
});
