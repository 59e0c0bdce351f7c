import { alertController } from '@ionic/vue';

/**
 * Asks before a step that cannot be undone (logging out, leaving a group, deleting for everyone).
 * Resolves true only when the person chose the step itself; Cancel, Escape and a tap beside the
 * dialog keep everything as it was.
 */
export async function confirmStep(options: {
  header: string;
  message: string;
  confirm: string;
}): Promise<boolean> {
  const alert = await alertController.create({
    header: options.header,
    message: options.message,
    buttons: [
      { text: 'Cancel', role: 'cancel', htmlAttributes: { 'data-testid': 'confirm-cancel' } },
      {
        text: options.confirm,
        role: 'destructive',
        htmlAttributes: { 'data-testid': 'confirm-step' },
      },
    ],
  });
  await alert.present();
  const { role } = await alert.onDidDismiss();
  return role === 'destructive';
}
