import { parseCli, UsageError } from '../../local/cli-args';

const A =
  '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Media/mediaServices/acct';

describe('parseCli', () => {
  it('parses migrate for accounts with targets and a policy', () => {
    expect(
      parseCli([
        'migrate',
        '--account',
        A,
        '--target',
        'static',
        '--target',
        'MKIO',
        '--extension-policy',
        'never',
      ]),
    ).toEqual({
      command: 'migrate',
      accounts: [A],
      subscriptions: [],
      resourceGroups: [],
      targets: ['static', 'mkio'],
      extensionPolicy: 'never',
      requireApproval: undefined,
      until: 'secured',
      emulator: false,
      seed: undefined,
      armEndpoint: undefined,
      caCert: undefined,
      progress: true,
      restart: false,
    });
    expect(parseCli(['migrate', '--account', A, '--restart'])).toMatchObject({ restart: true });
  });

  it('parses migrate for a subscription limited to resource groups', () => {
    const cmd = parseCli([
      'migrate',
      '--subscription',
      '00000000-0000-0000-0000-000000000001',
      '--resource-group',
      'Media',
      '--until',
      'done',
      '--no-progress',
    ]);
    expect(cmd).toMatchObject({ resourceGroups: ['media'], until: 'done', progress: false });
  });

  it.each([
    [['migrate'], /needs --account/],
    [['migrate', '--account', '/subscriptions/x'], /not a Media Services account id/],
    [['migrate', '--subscription', 'nope'], /subscription GUID/],
    [
      ['migrate', '--account', A, '--target', 'youtube'],
      /--target must be one of static, mkio, ravnur, bitmovin/,
    ],
    [['migrate', '--account', A, '--extension-policy', 'maybe'], /--extension-policy/],
    [['migrate', '--account', A, '--resource-group', 'x'], /give a --subscription/],
    [['migrate', '--account', A, '--bogus'], /Unknown option '--bogus'/],
    [['migrate', '--emulator', '--arm-endpoint', 'https://x'], /starts its own/],
    [['report'], /exactly one --account/],
    [['report', '--account', A, '--format', 'pdf'], /--format/],
    [['status', '--target', 'static'], /status does not take --target/],
    [['frobnicate'], /unknown command "frobnicate"/],
  ])('rejects %j with a clear message', (argv, message) => {
    expect(() => parseCli(argv)).toThrow(UsageError);
    expect(() => parseCli(argv)).toThrow(message);
  });

  it('parses status, report, approve and help', () => {
    expect(parseCli(['status', '--json'])).toEqual({ command: 'status', accounts: [], json: true });
    expect(
      parseCli(['report', '--account', A, '--format', 'urlmap-csv', '--out', 'x.csv']),
    ).toEqual({
      command: 'report',
      account: A,
      format: 'urlmap-csv',
      out: 'x.csv',
    });
    expect(parseCli(['approve', '--account', A])).toEqual({ command: 'approve', account: A });
    expect(parseCli([])).toEqual({ command: 'help' });
  });
});
